//! Writes the report page: plain string building, hand-drawn SVG, one inline stylesheet and
//! no scripts. Every string that comes from the input (sentences, doc ids, dates, file names)
//! goes through [`escape`] before it reaches the page, inside SVG as well.

use std::fmt::Write as _;

use super::{ChangePoint, Evidence, Example};
use crate::analysis::{Estimate, Period, Row, Tally};
use crate::record::Group;

/// Escapes `& < > " '` so the text is inert in element content and in quoted attributes
/// (HTML and inline SVG alike).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// What the page is made from.
pub struct Page<'a> {
    /// A title line naming the inputs (escaped when written).
    pub title: &'a str,
    /// The tally.
    pub tally: &'a Tally,
    /// Evidence sentences per cell.
    pub evidence: &'a Evidence,
    /// Actors to show (empty: every one that occurs).
    pub actors: &'a [Group],
    /// Change points to mark on the net-index chart (may be empty).
    pub change_points: &'a [ChangePoint],
}

const W: f64 = 1160.0;
const H: f64 = 300.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;

const STYLE: &str = "\
body{font-family:sans-serif;max-width:1220px;margin:0 auto;padding:12px;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
svg{width:100%;height:auto;background:#fff}
.axis{stroke:#888;stroke-width:1}.grid{stroke:#ddd;stroke-width:1}
.tick{font-size:11px;fill:#444}
.support{stroke:#1a7f37;fill:#1a7f37}.oppose{stroke:#c62828;fill:#c62828}
.band{stroke:none;opacity:.18}.line{fill:none;stroke-width:2}
.cp{stroke:#555;stroke-dasharray:4 3}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}
td.l,th.l{text-align:left}details{margin:.4em 0}summary{cursor:pointer}
.ev{font-size:13px}.ev li{margin:.2em 0}.legend span{margin-right:1.2em}
@media print{body{max-width:none;padding:0}h2{break-after:avoid}svg,tr{break-inside:avoid}summary{display:none}}
";

const ACTOR_COLOURS: [&str; 5] = ["#1f5fbf", "#c62828", "#6a3d9a", "#e08000", "#777777"];

fn colour(g: Group) -> &'static str {
    let i = Group::ALL.iter().position(|&x| x == g).unwrap_or(4);
    ACTOR_COLOURS.get(i).copied().unwrap_or("#777777")
}

/// The page as one string.
pub fn page(p: &Page) -> String {
    let rows = p.tally.rows(p.actors);
    let groups: Vec<Group> = Group::ALL
        .into_iter()
        .filter(|g| rows.iter().any(|r| r.actor == *g))
        .collect();
    // Charts use the periods at the chosen bucket size; coarser rows (less precise dates)
    // have no place on that axis and show in the table only.
    let mut periods: Vec<Period> = rows
        .iter()
        .map(|r| r.period)
        .filter(|x| x.bucket() == p.tally.by)
        .collect();
    periods.dedup();
    let row = |period: Period, g: Group| {
        rows.iter()
            .find(|r| r.period == period && r.actor == g && r.n > 0)
    };

    let mut s = String::with_capacity(1 << 16);
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(s, "<title>stanceline report: {}</title>", escape(p.title));
    let _ = writeln!(s, "<style>{STYLE}</style></head><body>");
    let _ = writeln!(
        s,
        "<h1>Stance on US–China cooperation: {}</h1>",
        escape(p.title)
    );
    let _ = writeln!(
        s,
        "<p>{} sentences counted by {}; {} near-duplicate articles folded. Bands are 95% \
         Wilson intervals; hover a point for its figures and evidence, or open the lists \
         under each chart.</p>",
        p.tally.total(),
        p.tally.by.as_str(),
        p.tally.folded
    );

    // Net index of every actor on one chart.
    s.push_str("<h2>Net cooperation index by actor</h2>\n");
    s.push_str("<p class=\"legend\">");
    for &g in &groups {
        let _ = write!(
            s,
            "<span style=\"color:{}\">&#9632; {}</span>",
            colour(g),
            g.as_str()
        );
    }
    s.push_str("</p>\n");
    let mut svg = Svg::new(&periods, -1.0, 1.0, "Net cooperation index by actor");
    for cp in p.change_points {
        if let Some(i) = periods.iter().position(|x| *x == cp.period) {
            let x = svg.x(i);
            let _ = write!(
                svg.body,
                "<line class=\"cp\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{TOP}\" y2=\"{:.1}\"><title>{} {}: {}</title></line>",
                H - BOTTOM,
                g_str(cp.actor),
                cp.period,
                escape(&cp.label)
            );
        }
    }
    for &g in &groups {
        let pts: Vec<Option<(f64, String)>> = periods
            .iter()
            .map(|&per| {
                let r = row(per, g)?;
                let net = r.net?;
                Some((
                    net.value,
                    tooltip(per, g, r, "net", net, p.evidence.get(per, g)),
                ))
            })
            .collect();
        svg.series(&pts, colour(g));
    }
    s.push_str(&svg.finish());
    s.push_str("<p>Change points: ");
    if p.change_points.is_empty() {
        s.push_str("none marked.");
    } else {
        for cp in p.change_points {
            let _ = write!(
                s,
                "{} {} ({}); ",
                g_str(cp.actor),
                cp.period,
                escape(&cp.label)
            );
        }
    }
    s.push_str("</p>\n");

    // Shares per actor.
    for &g in &groups {
        let title = format!("{}: support and oppose shares", g.as_str());
        let _ = writeln!(s, "<h2>{}</h2>", escape(&title));
        s.push_str(
            "<p class=\"legend\"><span class=\"support\" style=\"color:#1a7f37\">&#9632; support</span>\
             <span style=\"color:#c62828\">&#9632; oppose</span></p>\n",
        );
        let mut svg = Svg::new(&periods, 0.0, 1.0, &title);
        for (which, class) in [("support", "support"), ("oppose", "oppose")] {
            let pts: Vec<Option<(Estimate, String)>> = periods
                .iter()
                .map(|&per| {
                    let r = row(per, g)?;
                    let e = if which == "support" {
                        r.support_share?
                    } else {
                        r.oppose_share?
                    };
                    Some((e, tooltip(per, g, r, which, e, p.evidence.get(per, g))))
                })
                .collect();
            svg.band(&pts, class);
            let pts: Vec<Option<(f64, String)>> = pts
                .into_iter()
                .map(|o| o.map(|(e, t)| (e.value, t)))
                .collect();
            svg.series_class(&pts, class);
        }
        s.push_str(&svg.finish());
        evidence_list(&mut s, g, &periods, p.evidence);
    }

    table(&mut s, &rows);
    s.push_str("</body></html>\n");
    s
}

fn g_str(g: Group) -> &'static str {
    g.as_str()
}

/// The hover text of one point: its figures, then its evidence sentences.
fn tooltip(per: Period, g: Group, r: &Row, what: &str, e: Estimate, ev: &[Example]) -> String {
    let mut t = format!(
        "{} {} — {what} {:.2} [{:.2}, {:.2}], n = {}",
        per,
        g.as_str(),
        e.value,
        e.lo,
        e.hi,
        r.n
    );
    for x in ev {
        let _ = write!(
            t,
            "\n• [{}] {} ({}, {}, {:.2})",
            x.stance.as_str(),
            x.text,
            x.doc_id,
            x.date,
            x.confidence
        );
    }
    escape(&t)
}

fn evidence_list(s: &mut String, g: Group, periods: &[Period], ev: &Evidence) {
    let _ = writeln!(
        s,
        "<details class=\"ev\"><summary>Evidence for {} by period (top {} sentences)</summary><ul>",
        g.as_str(),
        super::EVIDENCE_PER_CELL
    );
    for &per in periods {
        let list = ev.get(per, g);
        if list.is_empty() {
            continue;
        }
        let _ = write!(s, "<li><b>{per}</b><ul>");
        for x in list {
            let _ = write!(
                s,
                "<li>[{}] {} <small>({}, {}, confidence {:.2})</small></li>",
                x.stance.as_str(),
                escape(&x.text),
                escape(&x.doc_id),
                escape(&x.date),
                x.confidence
            );
        }
        s.push_str("</ul></li>\n");
    }
    s.push_str("</ul></details>\n");
}

fn table(s: &mut String, rows: &[Row]) {
    s.push_str("<h2>Aggregate table</h2>\n<table><thead><tr><th class=\"l\">period</th><th class=\"l\">actor</th><th>n</th><th>support</th><th>conditional</th><th>oppose</th><th>neutral</th><th>support share</th><th>oppose share</th><th>net</th><th>articles</th></tr></thead><tbody>\n");
    let fmt = |e: Option<Estimate>| {
        e.map_or(String::new(), |e| {
            format!("{:.2} [{:.2}, {:.2}]", e.value, e.lo, e.hi)
        })
    };
    for r in rows.iter().filter(|r| r.n > 0) {
        let _ = writeln!(
            s,
            "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            r.period,
            r.actor.as_str(),
            r.n,
            r.support,
            r.conditional,
            r.oppose,
            r.neutral,
            fmt(r.support_share),
            fmt(r.oppose_share),
            fmt(r.net),
            r.articles
        );
    }
    s.push_str("</tbody></table>\n<p>Rows with n = 0 are left out of the table; they show as gaps in the charts.</p>\n");
}

/// One chart: axes, grid and the period labels; series are added to `body`.
struct Svg {
    n: usize,
    lo: f64,
    hi: f64,
    head: String,
    body: String,
}

impl Svg {
    fn new(periods: &[Period], lo: f64, hi: f64, title: &str) -> Svg {
        let mut head = format!(
            "<svg viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}\"><title>{}</title>",
            escape(title),
            escape(title)
        );
        let mut me = Svg {
            n: periods.len(),
            lo,
            hi,
            head: String::new(),
            body: String::new(),
        };
        for k in 0..=4 {
            let v = lo + (hi - lo) * f64::from(k) / 4.0;
            let y = me.y(v);
            let _ = write!(
                head,
                "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{v:.2}</text>",
                W - RIGHT,
                LEFT - 6.0,
                y + 4.0
            );
        }
        let _ = write!(
            head,
            "<line class=\"axis\" x1=\"{LEFT}\" x2=\"{LEFT}\" y1=\"{TOP}\" y2=\"{:.1}\"/>",
            H - BOTTOM
        );
        let step = periods.len().div_ceil(14).max(1);
        for (i, per) in periods.iter().enumerate() {
            if i % step == 0 || i + 1 == periods.len() {
                let _ = write!(
                    head,
                    "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{per}</text>",
                    me.x(i),
                    H - BOTTOM + 16.0
                );
            }
        }
        me.head = head;
        me
    }

    fn x(&self, i: usize) -> f64 {
        let w = W - LEFT - RIGHT - 20.0;
        if self.n <= 1 {
            LEFT + 10.0 + w / 2.0
        } else {
            LEFT + 10.0 + w * i as f64 / (self.n - 1) as f64
        }
    }

    fn y(&self, v: f64) -> f64 {
        let h = H - TOP - BOTTOM;
        TOP + h * (self.hi - v.clamp(self.lo, self.hi)) / (self.hi - self.lo)
    }

    /// A line through the points (broken at gaps) with a hoverable dot at each.
    fn series_with(&mut self, pts: &[Option<(f64, String)>], class: &str, style: &str) {
        let mut d = String::new();
        let mut pen = false;
        for (i, p) in pts.iter().enumerate() {
            match p {
                Some((v, _)) => {
                    let _ = write!(
                        d,
                        "{}{:.1},{:.1} ",
                        if pen { "L" } else { "M" },
                        self.x(i),
                        self.y(*v)
                    );
                    pen = true;
                }
                None => pen = false,
            }
        }
        if !d.is_empty() {
            let _ = write!(
                self.body,
                "<path class=\"line {class}\" style=\"{style};fill:none\" d=\"{d}\"/>"
            );
        }
        for (i, p) in pts.iter().enumerate() {
            if let Some((v, tip)) = p {
                let _ = write!(
                    self.body,
                    "<circle class=\"{class}\" style=\"{style}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\"><title>{tip}</title></circle>",
                    self.x(i),
                    self.y(*v)
                );
            }
        }
    }

    fn series(&mut self, pts: &[Option<(f64, String)>], colour: &str) {
        self.series_with(pts, "", &format!("stroke:{colour};fill:{colour}"));
    }

    fn series_class(&mut self, pts: &[Option<(f64, String)>], class: &str) {
        self.series_with(pts, class, "");
    }

    /// Shaded interval bands, one polygon per run of consecutive points.
    fn band(&mut self, pts: &[Option<(Estimate, String)>], class: &str) {
        let mut run: Vec<(usize, Estimate)> = Vec::new();
        let flush = |run: &mut Vec<(usize, Estimate)>, body: &mut String, me: &Svg| {
            if run.is_empty() {
                return;
            }
            let mut poly = String::new();
            for (i, e) in run.iter() {
                let _ = write!(poly, "{:.1},{:.1} ", me.x(*i), me.y(e.hi));
            }
            for (i, e) in run.iter().rev() {
                let _ = write!(poly, "{:.1},{:.1} ", me.x(*i), me.y(e.lo));
            }
            if run.len() == 1 {
                // A lone point: draw its interval as a short bar instead of a flat polygon.
                if let Some((i, e)) = run.first() {
                    let x = me.x(*i);
                    let _ = write!(
                        body,
                        "<rect class=\"{class} band\" x=\"{:.1}\" y=\"{:.1}\" width=\"8\" height=\"{:.1}\"/>",
                        x - 4.0,
                        me.y(e.hi),
                        (me.y(e.lo) - me.y(e.hi)).max(0.5)
                    );
                }
            } else {
                let _ = write!(body, "<polygon class=\"{class} band\" points=\"{poly}\"/>");
            }
            run.clear();
        };
        let mut body = std::mem::take(&mut self.body);
        for (i, p) in pts.iter().enumerate() {
            match p {
                Some((e, _)) => run.push((i, *e)),
                None => flush(&mut run, &mut body, self),
            }
        }
        flush(&mut run, &mut body, self);
        self.body = body;
    }

    fn finish(self) -> String {
        format!("{}{}</svg>\n", self.head, self.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup_and_quotes() {
        let cases = [
            ("plain", "plain"),
            (
                "<script>alert(1)</script>",
                "&lt;script&gt;alert(1)&lt;/script&gt;",
            ),
            ("</svg>", "&lt;/svg&gt;"),
            ("\" onmouseover=\"x", "&quot; onmouseover=&quot;x"),
            ("it's A&B", "it&#39;s A&amp;B"),
            ("&amp;", "&amp;amp;"),
        ];
        for (raw, want) in cases {
            assert_eq!(escape(raw), want);
        }
    }
}
