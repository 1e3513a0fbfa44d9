//! Ctrl-C and SIGTERM: stop cleanly, leave no partial output file, exit with status 130.
//!
//! The handler sets a flag that long loops check between batches, so a run can stop at a
//! clean point and say so. A run blocked on input (a pipe that stays open) never reaches
//! that check, so after a short grace period, or at a second signal, the handler removes
//! the pending temporary output files itself and exits.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::output;

/// Exit status after an interrupt, as a shell reports a process killed by SIGINT.
pub const EXIT_INTERRUPTED: u8 = 130;

/// How long the main thread gets to stop at its next check before the handler exits.
const GRACE: Duration = Duration::from_secs(2);

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// The error a loop returns when it stops because of an interrupt.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// Installs the handler for SIGINT, SIGTERM and SIGHUP; a failure only costs the clean
/// stop, so it is reported and otherwise ignored.
pub fn install() {
    let result = ctrlc::set_handler(|| {
        if !INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::thread::sleep(GRACE);
        }
        output::discard_pending();
        eprintln!("stanceline: interrupted (an -o file is not written)");
        std::process::exit(i32::from(EXIT_INTERRUPTED));
    });
    if let Err(e) = result {
        eprintln!("stanceline: warning: cannot catch Ctrl-C ({e}); an interrupted run may leave a temporary file");
    }
}

/// `Err(Interrupted)` once a signal has come, for loops to stop at a clean point.
pub fn check() -> Result<(), Interrupted> {
    if INTERRUPTED.load(Ordering::Relaxed) {
        Err(Interrupted)
    } else {
        Ok(())
    }
}
