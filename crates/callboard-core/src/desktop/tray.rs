//! The tray icon's status while campaigns run: which campaigns are running, calls in flight, open "needs
//! attention" items. [`load`] reads it from the store, [`TrayView::of`] turns it into the tooltip and the
//! menu's status lines, and [`Throttle`] keeps a busy event bus from redrawing the tray more than once per
//! [`MIN_INTERVAL`] (the last change is always shown). The shell renders the view and owns the menu actions.

use std::time::Duration;

use rusqlite::Connection;

use crate::{
    events::Event,
    store::{
        StoreResult,
        attempts::{IN_FLIGHT_STATUS, k_in_flight_status},
        attention,
    },
};

/// The tray redraws at most this often.
pub const MIN_INTERVAL: Duration = Duration::from_secs(2);
/// Running campaigns named in the menu before "and N more".
const LISTED: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunningCampaign {
    pub id: i64,
    pub name: String,
    pub in_flight: i64,
}

/// What the tray summarises.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrayStatus {
    /// Running campaigns, by name.
    pub running: Vec<RunningCampaign>,
    /// Calls in flight across every campaign.
    pub calls_in_flight: i64,
    pub attention_open: i64,
}

/// [`load`]'s two counts of calls in flight, with the in-flight predicate spelled as the partial index's, so
/// both read `calls_in_flight` (only the calls in flight): `status IN (…)` scanned every call ever made
/// (every call of the campaign, for the first) each time the tray redrew.
pub(crate) static TRAY_SQL: std::sync::LazyLock<[String; 2]> = std::sync::LazyLock::new(|| {
    let k_in_flight = k_in_flight_status();
    [
        format!(
            "SELECT c.id, c.name, (SELECT COUNT(*) FROM calls k WHERE k.campaign_id = c.id AND {k_in_flight}) \
             FROM campaigns c WHERE c.status = 'running' ORDER BY c.name COLLATE NOCASE, c.id"
        ),
        format!("SELECT COUNT(*) FROM calls WHERE {IN_FLIGHT_STATUS}"),
    ]
});

/// Reads the status in one read transaction.
pub fn load(conn: &Connection) -> StoreResult<TrayStatus> {
    let mut stmt = conn.prepare_cached(&TRAY_SQL[0])?;
    let running = stmt
        .query_map([], |r| {
            Ok(RunningCampaign {
                id: r.get(0)?,
                name: r.get(1)?,
                in_flight: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let calls_in_flight = conn.prepare_cached(&TRAY_SQL[1])?.query_row([], |r| r.get(0))?;
    Ok(TrayStatus {
        running,
        calls_in_flight,
        attention_open: attention::open_count(conn)?,
    })
}

/// What the shell draws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayView {
    /// The icon's tooltip (one line per fact).
    pub tooltip: String,
    /// Disabled status lines at the top of the menu.
    pub lines: Vec<String>,
    /// Whether "Pause all campaigns" has anything to pause.
    pub can_pause: bool,
}

/// What the tray menu's items do; the shell carries them out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayAction {
    ShowWindow,
    PauseAll,
    Quit,
}

impl TrayAction {
    const ALL: [TrayAction; 3] = [TrayAction::ShowWindow, TrayAction::PauseAll, TrayAction::Quit];

    /// The menu item's id.
    pub fn id(self) -> &'static str {
        match self {
            TrayAction::ShowWindow => "show",
            TrayAction::PauseAll => "pause_all",
            TrayAction::Quit => "quit",
        }
    }

    /// The action of a clicked menu item (`None` for the status lines).
    pub fn from_id(id: &str) -> Option<TrayAction> {
        Self::ALL.into_iter().find(|a| a.id() == id)
    }
}

/// One row of the tray menu, top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuRow {
    Item {
        id: String,
        label: String,
        enabled: bool,
    },
    Separator,
}

fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

impl TrayView {
    /// The menu: the status lines (disabled), then Show window, Pause all campaigns (enabled when something
    /// runs) and Quit.
    pub fn menu(&self) -> Vec<MenuRow> {
        let item = |id: String, label: &str, enabled: bool| MenuRow::Item {
            id,
            label: label.to_owned(),
            enabled,
        };
        let action = |a: TrayAction, label: &str, enabled: bool| item(a.id().to_owned(), label, enabled);
        let mut rows: Vec<MenuRow> = self
            .lines
            .iter()
            .enumerate()
            .map(|(i, line)| item(format!("status-{i}"), line, false))
            .collect();
        rows.extend([
            MenuRow::Separator,
            action(TrayAction::ShowWindow, "Show window", true),
            action(TrayAction::PauseAll, "Pause all campaigns", self.can_pause),
            MenuRow::Separator,
            action(TrayAction::Quit, "Quit Callboard", true),
        ]);
        rows
    }

    pub fn of(status: &TrayStatus) -> TrayView {
        let running = status.running.len() as i64;
        let mut lines = Vec::new();
        if running == 0 {
            lines.push("No campaign running".to_owned());
        } else {
            lines.push(format!("{} running", plural(running, "campaign", "campaigns")));
            for c in status.running.iter().take(LISTED) {
                lines.push(format!("  {} · {} in flight", c.name, c.in_flight));
            }
            if status.running.len() > LISTED {
                lines.push(format!("  and {} more", status.running.len() - LISTED));
            }
        }
        lines.push(format!(
            "{} in flight",
            plural(status.calls_in_flight, "call", "calls")
        ));
        lines.push(match status.attention_open {
            0 => "Nothing needs attention".to_owned(),
            n => format!(
                "{} need{} attention",
                plural(n, "item", "items"),
                if n == 1 { "s" } else { "" }
            ),
        });
        let tooltip = format!(
            "Callboard\n{} running · {} in flight · {} need attention",
            plural(running, "campaign", "campaigns"),
            plural(status.calls_in_flight, "call", "calls"),
            status.attention_open
        );
        TrayView {
            tooltip,
            lines,
            can_pause: running > 0,
        }
    }
}

/// Whether an event may change what the tray shows.
pub fn is_relevant(event: &Event) -> bool {
    matches!(
        event,
        Event::CampaignChanged { .. }
            | Event::CampaignDeleted { .. }
            | Event::CallChanged { .. }
            | Event::AttentionChanged { .. }
            | Event::Resync
    )
}

/// Coalesces redraws: a change marks the tray dirty; it is redrawn at once when the last redraw is at least
/// [`MIN_INTERVAL`] ago, otherwise when that interval is over. Time is the caller's monotonic offset.
#[derive(Debug)]
pub struct Throttle {
    min_interval: Duration,
    last_drawn: Option<Duration>,
    dirty: bool,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle::new(MIN_INTERVAL)
    }
}

impl Throttle {
    pub fn new(min_interval: Duration) -> Throttle {
        Throttle {
            min_interval,
            last_drawn: None,
            dirty: true, // the first draw
        }
    }

    pub fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    /// When the next redraw is due: `None` when nothing changed.
    pub fn due_at(&self) -> Option<Duration> {
        if !self.dirty {
            return None;
        }
        Some(self.last_drawn.map_or(Duration::ZERO, |t| t + self.min_interval))
    }

    /// Whether to redraw now; if so, records the redraw.
    pub fn take(&mut self, now: Duration) -> bool {
        match self.due_at() {
            Some(due) if now >= due => {
                self.dirty = false;
                self.last_drawn = Some(now);
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_menu_lists_the_status_then_the_actions_and_maps_clicks_back() {
        let view = super::TrayView {
            tooltip: String::new(),
            lines: vec!["No campaign running".into()],
            can_pause: false,
        };
        let rows = view.menu();
        assert_eq!(
            rows[0],
            super::MenuRow::Item {
                id: "status-0".into(),
                label: "No campaign running".into(),
                enabled: false
            }
        );
        assert_eq!(rows[1], super::MenuRow::Separator);
        let actions: Vec<_> = rows
            .iter()
            .filter_map(|r| match r {
                super::MenuRow::Item { id, enabled, .. } => {
                    super::TrayAction::from_id(id).map(|a| (a, *enabled))
                }
                super::MenuRow::Separator => None,
            })
            .collect();
        assert_eq!(
            actions,
            [
                (super::TrayAction::ShowWindow, true),
                (super::TrayAction::PauseAll, false),
                (super::TrayAction::Quit, true)
            ]
        );
        assert_eq!(super::TrayAction::from_id("status-0"), None);
    }

    use super::*;
    use crate::store::Store;

    fn status(names: &[(&str, i64)], in_flight: i64, open: i64) -> TrayStatus {
        TrayStatus {
            running: names
                .iter()
                .enumerate()
                .map(|(i, (n, f))| RunningCampaign {
                    id: i as i64 + 1,
                    name: (*n).into(),
                    in_flight: *f,
                })
                .collect(),
            calls_in_flight: in_flight,
            attention_open: open,
        }
    }

    #[test]
    fn idle_view() {
        let v = TrayView::of(&TrayStatus::default());
        assert_eq!(
            v.lines,
            [
                "No campaign running",
                "0 calls in flight",
                "Nothing needs attention"
            ]
        );
        assert_eq!(
            v.tooltip,
            "Callboard\n0 campaigns running · 0 calls in flight · 0 need attention"
        );
        assert!(!v.can_pause);
    }

    #[test]
    fn running_view_lists_campaigns_and_counts() {
        let v = TrayView::of(&status(&[("Renewals", 4), ("Win-back", 1)], 5, 1));
        assert_eq!(
            v.lines,
            [
                "2 campaigns running",
                "  Renewals · 4 in flight",
                "  Win-back · 1 in flight",
                "5 calls in flight",
                "1 item needs attention"
            ]
        );
        assert_eq!(
            v.tooltip,
            "Callboard\n2 campaigns running · 5 calls in flight · 1 need attention"
        );
        assert!(v.can_pause);
        let one = TrayView::of(&status(&[("Solo", 1)], 1, 3));
        assert_eq!(one.lines[0], "1 campaign running");
        assert_eq!(one.lines[2], "1 call in flight");
        assert_eq!(one.lines[3], "3 items need attention");
    }

    #[test]
    fn many_campaigns_are_cut_with_a_count() {
        let names: Vec<(String, i64)> = (0..8).map(|i| (format!("C{i}"), 0)).collect();
        let refs: Vec<(&str, i64)> = names.iter().map(|(n, f)| (n.as_str(), *f)).collect();
        let v = TrayView::of(&status(&refs, 0, 0));
        assert_eq!(v.lines.len(), 1 + LISTED + 1 + 2);
        assert_eq!(v.lines[LISTED + 1], "  and 3 more");
    }

    #[test]
    fn the_throttle_draws_at_once_then_at_most_every_interval() {
        let s = Duration::from_secs;
        let mut t = Throttle::new(s(2));
        assert!(t.take(s(0)), "first draw");
        assert_eq!(t.due_at(), None);
        assert!(!t.take(s(1)), "nothing changed");
        t.mark_dirty();
        assert_eq!(t.due_at(), Some(s(2)));
        assert!(!t.take(s(1)));
        t.mark_dirty(); // many changes, one redraw
        assert!(t.take(s(2)));
        assert!(!t.take(s(3)));
        t.mark_dirty();
        assert!(t.take(s(10)), "a change after a quiet spell is drawn at once");
    }

    #[test]
    fn relevant_events() {
        assert!(is_relevant(&Event::CampaignDeleted { id: 1 }));
        assert!(is_relevant(&Event::Resync));
        assert!(!is_relevant(&Event::WebhookReceived {
            id: 1,
            provider: "twilio".into(),
            kind: "status".into(),
            status: "applied".into()
        }));
    }

    #[test]
    fn load_reads_running_campaigns_in_flight_calls_and_open_items() -> StoreResult<()> {
        let store = Store::open_in_memory()?;
        store.with_tx_blocking(|tx| {
            assert_eq!(load(tx)?, TrayStatus::default());
            tx.execute_batch(
                "INSERT INTO campaigns(id, name, status, provider, created_at, updated_at) VALUES
                   (1, 'Renewals', 'running', 'sim', 't', 't'), (2, 'Paused one', 'paused', 'sim', 't', 't');
                 INSERT INTO calls(campaign_id, provider, status, created_at, updated_at) VALUES
                   (1, 'sim', 'ringing', 't', 't'), (1, 'sim', 'completed', 't', 't'),
                   (2, 'sim', 'in_progress', 't', 't');",
            )?;
            Ok::<_, crate::store::StoreError>(())
        })?;
        let got = store.read_blocking(load)?;
        assert_eq!(got.running.len(), 1);
        assert_eq!(
            got,
            TrayStatus {
                running: vec![RunningCampaign {
                    id: 1,
                    name: "Renewals".into(),
                    in_flight: 1
                }],
                // The paused campaign's call still counts as in flight.
                calls_in_flight: 2,
                attention_open: 0,
            }
        );
        Ok(())
    }
}
