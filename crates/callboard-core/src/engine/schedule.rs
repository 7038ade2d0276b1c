//! Campaign schedules: an optional start time (a draft started before it waits as `scheduled`, and the
//! engine starts it then, reason `schedule`) and an optional end time (the engine completes or pauses it
//! then, with the reason stored), plus the reserved-headroom rule, which depends on `max_concurrent`.

use jiff::Timestamp;

use crate::{
    campaign::{CampaignSettings, CampaignStatus, Transition},
    clock::{from_db, to_db},
    validation::ValidationError,
};

/// What the engine does at a campaign's end time.
pub const END_ACTIONS: [&str; 2] = ["complete", "pause"];

/// The reason stored when the engine starts a scheduled campaign.
pub const START_REASON: &str = "schedule";
/// The reason stored when the engine ends a campaign at its end time.
pub const END_REASON: &str = "schedule: end time reached";

fn parse_time(field: &'static str, raw: &str) -> Result<String, ValidationError> {
    let t: Timestamp = raw.trim().parse().map_err(|_| {
        ValidationError::new(
            field,
            format!("'{raw}' is not a date and time with an offset, e.g. 2026-03-01T09:00:00+03:00"),
        )
    })?;
    Ok(to_db(t))
}

/// Applies the schedule and headroom fields of an edit (after the others, so `max_concurrent` is final).
pub fn apply_input(
    s: &mut CampaignSettings,
    start_at: Option<Option<String>>,
    end_at: Option<Option<String>>,
    end_action: Option<String>,
    reserved_headroom: Option<u32>,
) -> Result<(), ValidationError> {
    if let Some(start) = start_at {
        s.start_at = match start.filter(|v| !v.trim().is_empty()) {
            Some(v) => Some(parse_time("start_at", &v)?),
            None => None,
        };
    }
    if let Some(end) = end_at {
        s.end_at = match end.filter(|v| !v.trim().is_empty()) {
            Some(v) => Some(parse_time("end_at", &v)?),
            None => None,
        };
    }
    if let (Some(start), Some(end)) = (&s.start_at, &s.end_at)
        && from_db(end) <= from_db(start)
    {
        return Err(ValidationError::new("end_at", "must be after the start time"));
    }
    if let Some(action) = end_action {
        let action = action.trim().to_ascii_lowercase();
        if !END_ACTIONS.contains(&action.as_str()) {
            return Err(ValidationError::new(
                "end_action",
                format!("'{action}' is not one of {}", END_ACTIONS.join(", ")),
            ));
        }
        s.end_action = action;
    }
    if let Some(h) = reserved_headroom {
        s.reserved_headroom = h;
    }
    if s.reserved_headroom >= s.max_concurrent {
        return Err(ValidationError::new(
            "reserved_headroom",
            format!(
                "must leave at least one of the {} concurrent calls free (at most {})",
                s.max_concurrent,
                s.max_concurrent.saturating_sub(1)
            ),
        ));
    }
    Ok(())
}

/// What `campaign.start` does: a draft whose start time is still ahead waits as `scheduled`.
pub fn start_transition(status: CampaignStatus, start_at: Option<&str>, now: Timestamp) -> Transition {
    let later = start_at.and_then(from_db).is_some_and(|t| t > now);
    if status == CampaignStatus::Draft && later {
        Transition::Schedule
    } else {
        Transition::Start
    }
}

/// A campaign as the schedule check sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleView {
    pub id: i64,
    pub status: CampaignStatus,
    pub start_at: Option<String>,
    pub end_at: Option<String>,
    pub end_action: String,
    /// When the status last changed: an end time that passed before a supervisor resumed the campaign does
    /// not pause it again.
    pub updated_at: String,
}

/// The transition the schedule asks for now, if any.
pub fn due(c: &ScheduleView, now: Timestamp) -> Option<(CampaignStatus, &'static str)> {
    let passed = |t: &Option<String>| t.as_deref().and_then(from_db).is_some_and(|t| t <= now);
    let end_passed_since_change = passed(&c.end_at)
        && match (c.end_at.as_deref().and_then(from_db), from_db(&c.updated_at)) {
            (Some(end), Some(changed)) => changed < end,
            _ => true,
        };
    match c.status {
        CampaignStatus::Scheduled if passed(&c.start_at) => Some((CampaignStatus::Running, START_REASON)),
        CampaignStatus::Running if end_passed_since_change => {
            let t = if c.end_action == "pause" {
                Transition::Pause
            } else {
                Transition::Complete
            };
            c.status.apply(t).ok().map(|s| (s, END_REASON))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(status: CampaignStatus, start: Option<&str>, end: Option<&str>, updated: &str) -> ScheduleView {
        ScheduleView {
            id: 1,
            status,
            start_at: start.map(str::to_owned),
            end_at: end.map(str::to_owned),
            end_action: "complete".into(),
            updated_at: updated.into(),
        }
    }

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap_or(Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn scheduled_starts_at_its_time_and_running_ends_at_its_end() {
        let start = "2026-03-01T06:00:00Z";
        let v = view(
            CampaignStatus::Scheduled,
            Some(start),
            None,
            "2026-02-01T00:00:00Z",
        );
        assert_eq!(due(&v, t("2026-03-01T05:59:59Z")), None);
        assert_eq!(due(&v, t(start)), Some((CampaignStatus::Running, START_REASON)));
        let mut r = view(
            CampaignStatus::Running,
            Some(start),
            Some("2026-03-02T06:00:00Z"),
            start,
        );
        assert_eq!(due(&r, t("2026-03-02T05:00:00Z")), None);
        assert_eq!(
            due(&r, t("2026-03-02T06:00:00Z")),
            Some((CampaignStatus::Completed, END_REASON))
        );
        r.end_action = "pause".into();
        assert_eq!(
            due(&r, t("2026-03-02T07:00:00Z")),
            Some((CampaignStatus::Paused, END_REASON))
        );
        // Resumed by a supervisor after the end: the end does not pause it again.
        r.updated_at = "2026-03-02T08:00:00Z".into();
        assert_eq!(due(&r, t("2026-03-02T09:00:00Z")), None);
    }

    #[test]
    fn start_waits_only_for_a_future_time() {
        let now = t("2026-03-01T00:00:00Z");
        assert_eq!(
            start_transition(CampaignStatus::Draft, Some("2026-03-02T00:00:00Z"), now),
            Transition::Schedule
        );
        assert_eq!(
            start_transition(CampaignStatus::Draft, Some("2026-02-02T00:00:00Z"), now),
            Transition::Start
        );
        assert_eq!(
            start_transition(CampaignStatus::Scheduled, Some("2026-03-02T00:00:00Z"), now),
            Transition::Start,
            "starting a scheduled campaign starts it now"
        );
    }

    #[test]
    fn edits_are_checked_field_by_field() {
        let mut s = CampaignSettings::default();
        let e = apply_input(&mut s, Some(Some("tomorrow".into())), None, None, None);
        assert_eq!(e.err().map(|e| e.field), Some("start_at"));
        let e = apply_input(
            &mut s,
            Some(Some("2026-03-02T09:00:00+03:00".into())),
            Some(Some("2026-03-02T05:00:00Z".into())),
            None,
            None,
        );
        assert_eq!(e.err().map(|e| e.field), Some("end_at"));
        let mut s = CampaignSettings::default();
        let e = apply_input(&mut s, None, None, Some("explode".into()), None);
        assert_eq!(e.err().map(|e| e.field), Some("end_action"));
        let e = apply_input(&mut s, None, None, None, Some(5));
        assert_eq!(e.err().map(|e| e.field), Some("reserved_headroom"));
        let mut ok = CampaignSettings::default();
        assert!(
            apply_input(
                &mut ok,
                Some(Some("2026-03-02T09:00:00+03:00".into())),
                None,
                None,
                Some(4)
            )
            .is_ok()
        );
        assert_eq!(
            ok.start_at.as_deref(),
            Some(to_db(t("2026-03-02T06:00:00Z")).as_str())
        );
        assert!(apply_input(&mut ok, Some(None), None, None, None).is_ok());
        assert_eq!(ok.start_at, None);
    }
}
