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

    proptest::proptest! {
        #[test]
        fn never_accepts_when_closed_full_or_unset(secs in 1_700_000_000i64..1_900_000_000, in_flight in 0i64..20, max in 1u32..10, refer in proptest::bool::ANY) {
            let p = OpenaiProfile::starter("Clinic", "marin", "en", "");
            let sip = SipSettings { agent_id: Some(1), max_concurrent: max, reject_outside_hours: !refer };
            let now = Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH);
            let open = p.org.hours.window.is_open(now, &jiff::tz::TimeZone::UTC);
            let d = decide(&sip, Some(&p), now, in_flight);
            proptest::prop_assert_eq!(d == Decision::Accept, open && in_flight < i64::from(max));
            // No transfer number: never a refer, whatever the settings.
            let referred = matches!(d, Decision::Refer { .. });
            proptest::prop_assert!(!referred, "referred without a number");
            let unset = matches!(decide(&sip, None, now, in_flight), Decision::Reject { status_code: 480, .. });
            proptest::prop_assert!(unset, "no agent must reject with 480");
        }
    }
}
