//! Scoring annotated output against gold labels. (stub: being written)
