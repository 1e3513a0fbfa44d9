//! Dates that keep their precision: a `2025`, `2025-04` or `2025-04-10` stays as given, so a
//! month-only article is never silently placed on the first of the month.

use std::fmt;
use std::str::FromStr;

/// A calendar date known to the year, the month or the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartialDate {
    /// Year (four digits in the input).
    pub year: i32,
    /// Month 1–12, when known.
    pub month: Option<u32>,
    /// Day of month, when known (only together with the month).
    pub day: Option<u32>,
}

impl PartialDate {
    /// The date as a `chrono` date when it is known to the day.
    pub fn to_naive(&self) -> Option<chrono::NaiveDate> {
        chrono::NaiveDate::from_ymd_opt(self.year, self.month?, self.day?)
    }

    /// The earliest full date the partial date may stand for (used to order and to pick
    /// office holders).
    pub fn first_day(&self) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(self.year, self.month.unwrap_or(1), self.day.unwrap_or(1))
            .unwrap_or(chrono::NaiveDate::MIN)
    }
}

impl FromStr for PartialDate {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("invalid date {s:?}: expected YYYY-MM-DD, YYYY-MM or YYYY");
        let parts: Vec<&str> = s.split('-').collect();
        let num = |p: &str, len: usize| -> Result<u32, String> {
            if p.len() == len && p.bytes().all(|b| b.is_ascii_digit()) {
                p.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        let year = num(parts.first().copied().unwrap_or(""), 4)? as i32;
        let (month, day) = match parts.len() {
            1 => (None, None),
            2 => (Some(num(parts[1], 2)?), None),
            3 => (Some(num(parts[1], 2)?), Some(num(parts[2], 2)?)),
            _ => return Err(bad()),
        };
        if let Some(m) = month {
            if !(1..=12).contains(&m) {
                return Err(format!("impossible date {s:?}: month {m} does not exist"));
            }
        }
        if let (Some(m), Some(d)) = (month, day) {
            if chrono::NaiveDate::from_ymd_opt(year, m, d).is_none() {
                return Err(format!(
                    "impossible date {s:?}: day {d} does not exist in that month"
                ));
            }
        }
        Ok(PartialDate { year, month, day })
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
            if let Some(d) = self.day {
                write!(f, "-{d:02}")?;
            }
        }
        Ok(())
    }
}

impl serde::Serialize for PartialDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for PartialDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_at_given_precision() {
        let cases = [
            ("2025-04-10", Some("2025-04-10")),
            ("2025-04", Some("2025-04")),
            ("2025", Some("2025")),
            ("2024-02-29", Some("2024-02-29")),
            ("2025-02-30", None),
            ("2025-13", None),
            ("20251", None),
            ("2025-4-1", None),
            ("", None),
            ("2025-04-10-01", None),
            ("２０２５", None),
        ];
        for (input, want) in cases {
            let got = input.parse::<PartialDate>().ok().map(|d| d.to_string());
            assert_eq!(got.as_deref(), want, "input {input:?}");
        }
    }

    #[test]
    fn impossible_day_is_named_in_the_message() {
        let err = "2025-02-30".parse::<PartialDate>().unwrap_err();
        assert!(err.contains("impossible date"), "{err}");
    }
}
