//! Which way an incoming Realtime SIP call goes: accepted by the SIP agent, rejected (no agent, outside
//! the org's opening hours, over capacity) or referred to the profile's transfer number after hours. A pure
//! function of the settings, the profile, the time and the SIP calls in progress.

use jiff::Timestamp;

use super::{profile::OpenaiProfile, settings::SipSettings};
use crate::validation;

/// What to do with an incoming SIP call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Reject { status_code: u16, reason: String },
    Refer { target_uri: String, reason: String },
}

impl Decision {
    pub fn name(&self) -> &'static str {
        match self {
            Decision::Accept => "accept",
            Decision::Reject { .. } => "reject",
            Decision::Refer { .. } => "refer",
        }
    }

    pub fn reason(&self) -> &str {
        match self {
            Decision::Accept => "",
            Decision::Reject { reason, .. } | Decision::Refer { reason, .. } => reason,
        }
    }
}

/// Decides a call from the SIP settings, the answering agent's profile, the time and the SIP calls already
/// in progress. Pure: the engine's calling-window rules evaluate the org's hours in its own zone.
pub fn decide(
    sip: &SipSettings,
    profile: Option<&OpenaiProfile>,
    now: Timestamp,
    in_flight: i64,
) -> Decision {
    let Some(profile) = profile else {
        return Decision::Reject {
            status_code: 480,
            reason: "no OpenAI Realtime agent is set to answer SIP calls".into(),
        };
    };
    let hours = &profile.org.hours;
    let open = validation::zone(&hours.timezone).is_some_and(|tz| hours.window.is_open(now, &tz));
    if !open {
        let reason = format!("outside {}'s opening hours", profile.org.name);
        return match (&profile.escalation.transfer_to, sip.reject_outside_hours) {
            (Some(to), false) => Decision::Refer {
                target_uri: format!("tel:{to}"),
                reason,
            },
            _ => Decision::Reject {
                status_code: 480,
                reason,
            },
        };
    }
    if in_flight >= i64::from(sip.max_concurrent) {
        return Decision::Reject {
            status_code: 486,
            reason: format!(
                "{in_flight} SIP calls in progress (the limit is {})",
                sip.max_concurrent
            ),
        };
    }
    Decision::Accept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap_or(Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn decisions_follow_hours_capacity_and_settings() {
        let mut p = OpenaiProfile::starter("Clinic", "marin", "en", "");
        p.org.hours.timezone = "Asia/Kuwait".into();
        let sip = SipSettings::default();
        let open = at("2026-11-23T08:00:00Z"); // Monday 11:00 in Kuwait
        let closed = at("2026-11-23T16:00:00Z"); // 19:00
        assert_eq!(decide(&sip, Some(&p), open, 0), Decision::Accept);
        assert!(matches!(
            decide(&sip, None, open, 0),
            Decision::Reject { status_code: 480, .. }
        ));
        assert!(matches!(
            decide(&sip, Some(&p), open, 5),
            Decision::Reject { status_code: 486, .. }
        ));
        assert!(matches!(
            decide(&sip, Some(&p), closed, 0),
            Decision::Reject { status_code: 480, .. }
        ));
        p.escalation.transfer_to = Some("+96550001234".into());
        let refer_after_hours = SipSettings {
            reject_outside_hours: false,
            ..SipSettings::default()
        };
        assert_eq!(decide(&refer_after_hours, Some(&p), closed, 0).name(), "refer");
        assert!(matches!(
            decide(&refer_after_hours, Some(&p), closed, 0),
            Decision::Refer { target_uri, .. } if target_uri == "tel:+96550001234"
        ));
    }
}
