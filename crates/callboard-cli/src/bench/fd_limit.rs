//! Open-file headroom for the bridge bench. Every simulated call holds four sockets in this process (the fake
//! carrier's and the bridge's ends of the media socket, the bridge's and the fake agent's ends of the agent
//! socket), so 500 calls need about 2 000 descriptors, over the 1 024 soft limit many systems start with.
//! The soft limit may be raised up to the hard one without privileges; `prlimit` (util-linux) does it for
//! this running process, since this crate has no unsafe code to call `setrlimit` itself.

/// Descriptors each simulated call holds in this process.
pub const PER_CALL: u64 = 4;
/// Headroom for the runtime, the listeners, the database and the log.
const SPARE: u64 = 256;

/// The soft and hard `Max open files` of this process (`unlimited` as `u64::MAX`).
fn limits() -> Option<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    let mut values = line["Max open files".len()..].split_whitespace().map(|v| {
        if v == "unlimited" {
            Some(u64::MAX)
        } else {
            v.parse().ok()
        }
    });
    Some((values.next()??, values.next()??))
}

/// Makes room for `calls` concurrent calls if it can; answers how many calls fit, and a note when the limit
/// was raised or is still too low.
pub fn room_for(calls: usize) -> (usize, Option<String>) {
    let needed = calls as u64 * PER_CALL + SPARE;
    let Some((soft, hard)) = limits() else {
        return (calls, None);
    };
    if soft >= needed {
        return (calls, None);
    }
    let target = needed.min(hard);
    let raised = std::process::Command::new("prlimit")
        .arg(format!("--pid={}", std::process::id()))
        .arg(format!("--nofile={target}:{hard}"))
        .status()
        .is_ok_and(|s| s.success());
    let soft_now = limits().map_or(soft, |(s, _)| s);
    let fit = usize::try_from(soft_now.saturating_sub(SPARE) / PER_CALL)
        .unwrap_or(calls)
        .min(calls);
    let note = if soft_now >= needed {
        format!("raised the open-file limit from {soft} to {soft_now} for {calls} calls")
    } else if raised {
        format!(
            "the open-file limit is {soft_now} (hard {hard}): at most {fit} calls; raise it with `ulimit -n`"
        )
    } else {
        format!(
            "the open-file limit is {soft_now} and `prlimit` could not raise it: at most {fit} calls; run `ulimit -n {needed}` first"
        )
    };
    (fit, Some(note))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_readable_limits_and_small_runs_need_nothing() {
        let (soft, hard) = limits().unwrap_or((0, 0));
        assert!(soft > 0 && hard >= soft, "{soft} {hard}");
        assert_eq!(room_for(1), (1, None));
    }
}
