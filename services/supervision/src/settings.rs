//! Supervision's configuration: thresholds, rules, limits and weights, with defaults that
//! run. Read by the binary from its configuration file (serde); checked at start.

use onewindow_kit::error::{Error, Violations};
use serde::{Deserialize, Serialize};

use crate::domain::complaint::ComplaintLimits;
use crate::domain::deadline::Thresholds;
use crate::domain::performance::Weights;
use crate::domain::rules::RuleSettings;
use crate::domain::trading::TradingThresholds;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SupervisionSettings {
    /// When a case's early warning, yellow and red cards fall due.
    pub case_thresholds: Thresholds,
    /// The same for each stage of a case.
    pub stage_thresholds: Thresholds,
    /// How often the scanner looks for newly due deadlines, in seconds.
    pub scan_interval_secs: u64,
    /// Deadlines the scanner handles per transaction. Small: while a batch is written it
    /// holds the database's one writer (SQLite), and events wait behind it; at 50 they wait
    /// about 20 ms at most (`bench/RESULTS.md`).
    pub scan_batch: u32,
    pub rules: RuleSettings,
    /// Working days a department has to rectify after a bad review.
    pub rectification_days: u32,
    pub complaint_limits: ComplaintLimits,
    /// Weights of the composite performance score.
    pub weights: Weights,
    pub trading: TradingThresholds,
    /// The dashboard stream sends its figures at least this often, in seconds, changed or
    /// not (the big screen shows it is alive).
    pub dashboard_heartbeat_secs: u64,
}

impl Default for SupervisionSettings {
    fn default() -> Self {
        SupervisionSettings {
            case_thresholds: Thresholds::default(),
            stage_thresholds: Thresholds {
                early_warning_days: 1,
                red_after_days: 2,
            },
            scan_interval_secs: 60,
            scan_batch: 50,
            rules: RuleSettings::default(),
            rectification_days: 15,
            complaint_limits: ComplaintLimits::default(),
            weights: Weights::default(),
            trading: TradingThresholds::default(),
            dashboard_heartbeat_secs: 30,
        }
    }
}

impl SupervisionSettings {
    /// Every problem at once, named by its setting.
    pub fn validate(&self) -> Result<(), Error> {
        let mut v = Violations::new();
        v.check(
            self.scan_interval_secs == 0,
            "supervision.scan_interval_secs",
            "must be at least 1",
        );
        v.check(
            self.scan_batch == 0,
            "supervision.scan_batch",
            "must be at least 1",
        );
        v.check(
            self.rectification_days == 0,
            "supervision.rectification_days",
            "must be at least 1",
        );
        v.check(
            self.dashboard_heartbeat_secs == 0,
            "supervision.dashboard_heartbeat_secs",
            "must be at least 1",
        );
        for id in self.rules.unknown_rules() {
            v.add("supervision.rules", format!("names unknown rule {id}"));
        }
        if let Err(e) = self.weights.validate() {
            v.add("supervision.weights", e.to_string());
        }
        if let Err(e) = self.trading.validate() {
            v.add("supervision.trading", e);
        }
        v.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_survive_a_round_trip() {
        let s = SupervisionSettings::default();
        assert!(s.validate().is_ok());
        let text = serde_json::to_string(&s).unwrap();
        let back: SupervisionSettings = serde_json::from_str(&text).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn a_partial_file_keeps_the_other_defaults() {
        let s: SupervisionSettings =
            serde_json::from_str(r#"{"case_thresholds":{"early_warning_days":2}}"#).unwrap();
        assert_eq!(s.case_thresholds.early_warning_days, 2);
        assert_eq!(s.case_thresholds.red_after_days, 3);
        assert_eq!(s.rectification_days, 15);
    }

    #[test]
    fn bad_settings_are_named() {
        let s = SupervisionSettings {
            scan_interval_secs: 0,
            rules: RuleSettings {
                disabled: vec!["no_such_rule".into()],
                ..RuleSettings::default()
            },
            ..SupervisionSettings::default()
        };
        let Err(Error::InvalidArgument(v)) = s.validate() else {
            panic!("expected invalid settings")
        };
        let fields: Vec<&str> = v.as_slice().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            ["supervision.scan_interval_secs", "supervision.rules"]
        );
    }
}
