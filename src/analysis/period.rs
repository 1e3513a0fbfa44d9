//! Time buckets for aggregation: `--by day|week|month|quarter|year` and the period labels
//! (`2025-04-10`, ISO `2025-W15`, `2025-04`, `2025-Q2`, `2025`).
//!
//! A date less precise than the bucket (a month-only date under `--by day`) is placed in the
//! finest period its precision allows, so it is counted in a coarser row instead of being
//! dropped or pinned to the first of the month.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::corpus::PartialDate;

/// The bucket size asked for on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    /// Calendar days, `2025-04-10`.
    Day,
    /// ISO weeks (Monday to Sunday, week-based year), `2025-W15`.
    Week,
    /// Calendar months, `2025-04`.
    Month,
    /// Calendar quarters, `2025-Q2`.
    Quarter,
    /// Calendar years, `2025`.
    Year,
}

impl Bucket {
    /// The name as written on the command line and in partial files.
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Day => "day",
            Bucket::Week => "week",
            Bucket::Month => "month",
            Bucket::Quarter => "quarter",
            Bucket::Year => "year",
        }
    }
}

/// One time bucket. Ordered by its first day, a coarser period before a finer one that
/// starts on the same day (so `2025-04` sorts just before `2025-04-01`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    /// A calendar day.
    Day(NaiveDate),
    /// An ISO week: week-based year and week number 1–53.
    Week {
        /// ISO week-based year (may differ from the calendar year near New Year).
        year: i32,
        /// ISO week number.
        week: u32,
    },
    /// A calendar month.
    Month {
        /// Year.
        year: i32,
        /// Month 1–12.
        month: u32,
    },
    /// A calendar quarter.
    Quarter {
        /// Year.
        year: i32,
        /// Quarter 1–4.
        quarter: u32,
    },
    /// A calendar year.
    Year(i32),
}

impl Period {
    /// The period of `bucket` that holds `date`, or a coarser one when the date is less
    /// precise than the bucket (month-only under day or week gives the month; year-only under
    /// anything finer than a year gives the year).
    pub fn of(date: &PartialDate, bucket: Bucket) -> Period {
        let year = date.year;
        let Some(month) = date.month else {
            return Period::Year(year);
        };
        match (bucket, date.to_naive()) {
            (Bucket::Year, _) => Period::Year(year),
            (Bucket::Quarter, _) => Period::Quarter {
                year,
                quarter: (month - 1) / 3 + 1,
            },
            (Bucket::Month, _) | (Bucket::Day | Bucket::Week, None) => {
                Period::Month { year, month }
            }
            (Bucket::Week, Some(d)) => {
                let w = d.iso_week();
                Period::Week {
                    year: w.year(),
                    week: w.week(),
                }
            }
            (Bucket::Day, Some(d)) => Period::Day(d),
        }
    }

    /// The bucket size of this period.
    pub fn bucket(&self) -> Bucket {
        match self {
            Period::Day(_) => Bucket::Day,
            Period::Week { .. } => Bucket::Week,
            Period::Month { .. } => Bucket::Month,
            Period::Quarter { .. } => Bucket::Quarter,
            Period::Year(_) => Bucket::Year,
        }
    }

    /// The first day of the period (`NaiveDate::MIN` for a year chrono cannot represent).
    pub fn first_day(&self) -> NaiveDate {
        let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN);
        match *self {
            Period::Day(d) => d,
            Period::Week { year, week } => {
                NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).unwrap_or(NaiveDate::MIN)
            }
            Period::Month { year, month } => ymd(year, month, 1),
            Period::Quarter { year, quarter } => ymd(year, (quarter - 1) * 3 + 1, 1),
            Period::Year(y) => ymd(y, 1, 1),
        }
    }

    /// The period of the same size that follows this one.
    pub fn next(&self) -> Period {
        match *self {
            Period::Day(d) => Period::Day(d.succ_opt().unwrap_or(d)),
            Period::Week { .. } => {
                let d = self.first_day().checked_add_days(Days::new(7));
                match d {
                    Some(d) => Period::of(&partial(d), Bucket::Week),
                    None => *self,
                }
            }
            Period::Month { year, month } if month >= 12 => Period::Month {
                year: year + 1,
                month: 1,
            },
            Period::Month { year, month } => Period::Month {
                year,
                month: month + 1,
            },
            Period::Quarter { year, quarter } if quarter >= 4 => Period::Quarter {
                year: year + 1,
                quarter: 1,
            },
            Period::Quarter { year, quarter } => Period::Quarter {
                year,
                quarter: quarter + 1,
            },
            Period::Year(y) => Period::Year(y + 1),
        }
    }

    /// Rank for ordering periods that start on the same day: coarser first.
    fn coarseness(&self) -> u8 {
        match self {
            Period::Year(_) => 0,
            Period::Quarter { .. } => 1,
            Period::Month { .. } => 2,
            Period::Week { .. } => 3,
            Period::Day(_) => 4,
        }
    }
}

fn partial(d: NaiveDate) -> PartialDate {
    PartialDate {
        year: d.year(),
        month: Some(d.month()),
        day: Some(d.day()),
    }
}

impl Ord for Period {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.first_day(), self.coarseness()).cmp(&(other.first_day(), other.coarseness()))
    }
}

impl PartialOrd for Period {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Period::Day(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Period::Week { year, week } => write!(f, "{year:04}-W{week:02}"),
            Period::Month { year, month } => write!(f, "{year:04}-{month:02}"),
            Period::Quarter { year, quarter } => write!(f, "{year:04}-Q{quarter}"),
            Period::Year(y) => write!(f, "{y:04}"),
        }
    }
}

impl FromStr for Period {
    type Err = String;

    /// Parses a label as written by [`Display`](fmt::Display) (used to read partial files).
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("invalid period {s:?}");
        if let Some((y, w)) = s.split_once("-W") {
            let year: i32 = y.parse().map_err(|_| bad())?;
            let week: u32 = w.parse().map_err(|_| bad())?;
            NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).ok_or_else(bad)?;
            return Ok(Period::Week { year, week });
        }
        if let Some((y, q)) = s.split_once("-Q") {
            let year: i32 = y.parse().map_err(|_| bad())?;
            let quarter: u32 = q.parse().map_err(|_| bad())?;
            if !(1..=4).contains(&quarter) {
                return Err(bad());
            }
            return Ok(Period::Quarter { year, quarter });
        }
        let date: PartialDate = s.parse()?;
        Ok(match (date.month, date.to_naive()) {
            (None, _) => Period::Year(date.year),
            (Some(month), None) => Period::Month {
                year: date.year,
                month,
            },
            (_, Some(d)) => Period::Day(d),
        })
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> PartialDate {
        s.parse().unwrap()
    }

    #[test]
    fn labels_per_bucket() {
        // 2025-04-10 is a Thursday; ISO week 15 of 2025 runs 7–13 April.
        // 2024-12-30 is a Monday in ISO week 1 of 2025.
        let cases = [
            ("2025-04-10", Bucket::Day, "2025-04-10"),
            ("2025-04-10", Bucket::Week, "2025-W15"),
            ("2024-12-30", Bucket::Week, "2025-W01"),
            ("2021-01-03", Bucket::Week, "2020-W53"),
            ("2025-04-10", Bucket::Month, "2025-04"),
            ("2025-04-10", Bucket::Quarter, "2025-Q2"),
            ("2025-12-31", Bucket::Quarter, "2025-Q4"),
            ("2025-04-10", Bucket::Year, "2025"),
            // Less precise than the bucket: the finest period the date allows.
            ("2025-04", Bucket::Day, "2025-04"),
            ("2025-04", Bucket::Week, "2025-04"),
            ("2025-04", Bucket::Quarter, "2025-Q2"),
            ("2025", Bucket::Month, "2025"),
            ("2025", Bucket::Week, "2025"),
        ];
        for (d, bucket, want) in cases {
            let p = Period::of(&date(d), bucket);
            assert_eq!(p.to_string(), want, "{d} by {bucket:?}");
            assert_eq!(want.parse::<Period>(), Ok(p), "round trip {want}");
        }
    }

    #[test]
    fn next_steps_one_period() {
        let cases = [
            ("2025-02-28", Bucket::Day, "2025-03-01"),
            ("2024-12-23", Bucket::Week, "2025-W01"),
            ("2020-12-31", Bucket::Week, "2021-W01"),
            ("2025-12", Bucket::Month, "2026-01"),
            ("2025-11", Bucket::Quarter, "2026-Q1"),
            ("2025-05", Bucket::Quarter, "2025-Q3"),
            ("2025", Bucket::Year, "2026"),
        ];
        for (d, bucket, want) in cases {
            let p = Period::of(&date(d), bucket);
            // 2020-12-31 is in 2020-W53, followed by 2021-W01.
            assert_eq!(p.next().to_string(), want, "{d} by {bucket:?}");
        }
    }

    #[test]
    fn coarser_sorts_before_finer_on_the_same_start() {
        let mut v: Vec<Period> = ["2025-04-02", "2025-04-01", "2025-04", "2025", "2025-03"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        v.sort();
        let got: Vec<String> = v.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            got,
            ["2025", "2025-03", "2025-04", "2025-04-01", "2025-04-02"]
        );
    }

    #[test]
    fn bad_labels_are_rejected() {
        for s in ["2025-W54", "2025-Q5", "2025-13", "x", "2025-W", "2025-Q0"] {
            assert!(s.parse::<Period>().is_err(), "{s}");
        }
    }
}
