//! Billing periods: a timestamp plus `interval_count` days, weeks, months or years, in
//! UTC, with month ends clamped (Jan 31 + 1 month = Feb 28/29) as Stripe does.

const DAY: i64 = 86_400;

/// `at` moved forward by `count` `interval`s.
pub fn add(at: i64, interval: &str, count: i64) -> i64 {
    let days = at.div_euclid(DAY);
    let seconds = at.rem_euclid(DAY);
    match interval {
        "day" => at + count * DAY,
        "week" => at + count * 7 * DAY,
        "month" | "year" => {
            let months = if interval == "year" {
                12 * count
            } else {
                count
            };
            let (year, month, day) = civil_from_days(days);
            let index = year * 12 + (month - 1) + months;
            let (year, month) = (index.div_euclid(12), index.rem_euclid(12) + 1);
            let day = day.min(days_in_month(year, month));
            days_from_civil(year, month, day) * DAY + seconds
        }
        _ => at,
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's civil calendar algorithms.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_clamp_to_the_end_of_shorter_months() {
        // 2024-01-31T12:00:00Z
        let jan31 = 1_706_702_400;
        // 2024-02-29T12:00:00Z (a leap year)
        assert_eq!(add(jan31, "month", 1), 1_709_208_000);
        // 2025-01-31T12:00:00Z
        assert_eq!(add(jan31, "year", 1), 1_738_324_800);
        assert_eq!(add(jan31, "week", 2), jan31 + 14 * DAY);
        assert_eq!(add(jan31, "day", 3), jan31 + 3 * DAY);
    }

    #[test]
    fn civil_dates_round_trip() {
        for days in [-1000, 0, 19_000, 20_000, 30_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
