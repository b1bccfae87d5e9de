//! Performance monitoring (绩效监察): the figures counted per department and day, what they
//! add up to over a period, and the composite score and ranking built from them.

use std::ops::AddAssign;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::deadline::Level;
use super::error::SupervisionError;

/// What is counted per department and day. Sums, not averages, so that any period adds up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub accepted: i64,
    pub concluded: i64,
    pub on_time: i64,
    /// Working days used by the cases concluded, and the working days they were promised.
    pub working_days_used: i64,
    pub promised_days: i64,
    pub early: i64,
    pub yellow: i64,
    pub red: i64,
    pub violations: i64,
    pub evaluations: i64,
    /// The sum of the ratings given (1 to 5 each).
    pub rating_points: i64,
    pub good_ratings: i64,
    pub bad_ratings: i64,
    pub complaints: i64,
    pub substantiated: i64,
}

impl Counts {
    /// One warning of `level`.
    pub fn warning(level: Level) -> Counts {
        let mut c = Counts::default();
        match level {
            Level::Early => c.early = 1,
            Level::Yellow => c.yellow = 1,
            Level::Red => c.red = 1,
        }
        c
    }

    pub fn on_time_rate(&self) -> Option<f64> {
        ratio(self.on_time, self.concluded)
    }

    pub fn average_working_days(&self) -> Option<f64> {
        ratio(self.working_days_used, self.concluded)
    }

    pub fn average_promised_days(&self) -> Option<f64> {
        ratio(self.promised_days, self.concluded)
    }

    pub fn average_rating(&self) -> Option<f64> {
        ratio(self.rating_points, self.evaluations)
    }

    pub fn good_rate(&self) -> Option<f64> {
        ratio(self.good_ratings, self.evaluations)
    }
}

fn ratio(n: i64, d: i64) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

impl AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        self.accepted += o.accepted;
        self.concluded += o.concluded;
        self.on_time += o.on_time;
        self.working_days_used += o.working_days_used;
        self.promised_days += o.promised_days;
        self.early += o.early;
        self.yellow += o.yellow;
        self.red += o.red;
        self.violations += o.violations;
        self.evaluations += o.evaluations;
        self.rating_points += o.rating_points;
        self.good_ratings += o.good_ratings;
        self.bad_ratings += o.bad_ratings;
        self.complaints += o.complaints;
        self.substantiated += o.substantiated;
    }
}

/// Counts to add to one department's day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatDelta {
    pub day: NaiveDate,
    /// Empty for what concerns no department (a complaint naming none).
    pub department_id: String,
    pub region_code: String,
    pub counts: Counts,
}

/// How much each part weighs in the composite score; only the proportions matter.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    /// Share of cases concluded by the promised date.
    pub on_time: f64,
    /// Share of the promised time left unused.
    pub speed: f64,
    /// The average rating, from 1 (0 %) to 5 (100 %).
    pub satisfaction: f64,
    /// Cards, violations and substantiated complaints per case, as a penalty.
    pub discipline: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            on_time: 0.4,
            speed: 0.1,
            satisfaction: 0.3,
            discipline: 0.2,
        }
    }
}

impl Weights {
    pub fn validate(&self) -> Result<(), SupervisionError> {
        let all = [self.on_time, self.speed, self.satisfaction, self.discipline];
        if all.iter().any(|w| !w.is_finite() || *w < 0.0) {
            return Err(SupervisionError::invalid(
                "supervision.weights",
                "every weight must be a number of 0 or more",
            ));
        }
        if all.iter().sum::<f64>() <= 0.0 {
            return Err(SupervisionError::invalid(
                "supervision.weights",
                "at least one weight must be above 0",
            ));
        }
        Ok(())
    }
}

/// The composite score, 0 to 100. A part with nothing to measure (no case concluded, no
/// evaluation) counts as full marks, so that a department is not ranked down for quiet.
pub fn score(c: &Counts, w: &Weights) -> f64 {
    let on_time = c.on_time_rate().unwrap_or(1.0);
    let speed = match (c.average_working_days(), c.average_promised_days()) {
        (Some(used), Some(promised)) if promised > 0.0 => {
            ((promised - used) / promised).clamp(0.0, 1.0)
        }
        _ => 1.0,
    };
    let satisfaction = c
        .average_rating()
        .map(|r| ((r - 1.0) / 4.0).clamp(0.0, 1.0))
        .unwrap_or(1.0);
    let penalties = (c.yellow + 2 * c.red + 2 * c.violations + 2 * c.substantiated) as f64;
    let discipline = (1.0 - penalties / (c.accepted.max(c.concluded).max(1) as f64)).max(0.0);
    let total = w.on_time + w.speed + w.satisfaction + w.discipline;
    if total <= 0.0 {
        return 0.0;
    }
    let s = (w.on_time * on_time
        + w.speed * speed
        + w.satisfaction * satisfaction
        + w.discipline * discipline)
        / total;
    (s * 1000.0).round() / 10.0
}

/// One ranked row.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub rank: u32,
    pub key: String,
    pub region_code: String,
    pub counts: Counts,
    pub score: f64,
}

/// Scores and ranks rows (key, region, counts): best score first, ties by key; equal
/// scores share a rank.
pub fn rank(rows: Vec<(String, String, Counts)>, w: &Weights) -> Vec<Ranked> {
    let mut scored: Vec<Ranked> = rows
        .into_iter()
        .map(|(key, region_code, counts)| Ranked {
            rank: 0,
            score: score(&counts, w),
            key,
            region_code,
            counts,
        })
        .collect();
    scored.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.key.cmp(&b.key)));
    let mut previous: Option<f64> = None;
    let mut rank = 0u32;
    for (i, row) in scored.iter_mut().enumerate() {
        if previous != Some(row.score) {
            rank = u32::try_from(i + 1).unwrap_or(u32::MAX);
            previous = Some(row.score);
        }
        row.rank = rank;
    }
    scored
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(concluded: i64, on_time: i64, rating_points: i64, evaluations: i64) -> Counts {
        Counts {
            accepted: concluded,
            concluded,
            on_time,
            working_days_used: concluded * 3,
            promised_days: concluded * 5,
            rating_points,
            evaluations,
            ..Counts::default()
        }
    }

    #[test]
    fn a_perfect_department_scores_by_its_speed() {
        let c = counts(10, 10, 50, 10);
        // 40 on time + 10 * 0.4 speed + 30 satisfaction + 20 discipline.
        assert_eq!(score(&c, &Weights::default()), 94.0);
    }

    #[test]
    fn cards_and_violations_cost_discipline() {
        let clean = counts(10, 10, 50, 10);
        let mut carded = clean;
        carded.yellow = 2;
        carded.red = 1;
        carded.violations = 1;
        assert!(score(&carded, &Weights::default()) < score(&clean, &Weights::default()));
    }

    #[test]
    fn ranking_puts_the_best_first_and_shares_ranks_on_ties() {
        let w = Weights::default();
        let ranked = rank(
            vec![
                ("b".into(), "140200".into(), counts(10, 5, 30, 10)),
                ("a".into(), "140200".into(), counts(10, 10, 50, 10)),
                ("c".into(), "140200".into(), counts(10, 10, 50, 10)),
            ],
            &w,
        );
        let order: Vec<(&str, u32)> = ranked.iter().map(|r| (r.key.as_str(), r.rank)).collect();
        assert_eq!(order, [("a", 1), ("c", 1), ("b", 3)]);
    }

    #[test]
    fn weights_must_be_usable() {
        assert!(Weights::default().validate().is_ok());
        let negative = Weights {
            on_time: -1.0,
            ..Weights::default()
        };
        assert!(negative.validate().is_err());
        let zero = Weights {
            on_time: 0.0,
            speed: 0.0,
            satisfaction: 0.0,
            discipline: 0.0,
        };
        assert!(zero.validate().is_err());
    }

    #[test]
    fn counts_add_up_over_days() {
        let mut total = Counts::default();
        total += Counts::warning(Level::Red);
        total += Counts::warning(Level::Yellow);
        total += counts(2, 1, 0, 0);
        assert_eq!((total.red, total.yellow, total.concluded), (1, 1, 2));
        assert_eq!(total.on_time_rate(), Some(0.5));
    }
}
