//! How the desktop app is launched: the data dir and the [`LaunchOptions`] read from `CALLBOARD_*` variables,
//! decided here rather than in the shell so the rules are tested. All the variables are optional test and
//! script hooks; without them the app uses the default data dir, the ports stored in Settings, and takes any
//! free port when another copy holds them. (`callboard serve` reads the same variables through its flags.)
//!
//! - `CALLBOARD_DATA_DIR`: the data dir (a temp dir in tests);
//! - `CALLBOARD_UI_ADDR`, `CALLBOARD_PUBLIC_ADDR`: the listeners' addresses (`127.0.0.1:0` for any free port);
//!   naming either one turns off the ports stored in Settings;
//! - `CALLBOARD_PUBLIC_URL`: the public base URL; `CALLBOARD_DEMO=1`: demo mode;
//! - `CALLBOARD_SIM_SPEED`: how much faster than real time the simulator runs;
//! - the secret overrides of [`EnvOverrides`].

use std::{net::SocketAddr, path::PathBuf};

use crate::{
    app::AppOptions,
    launch::{self, DEFAULT_PUBLIC_ADDR, DEFAULT_UI_ADDR, LaunchOptions, Launched},
    paths,
    secret_store::EnvOverrides,
};

/// The data dir: `CALLBOARD_DATA_DIR`, else the platform's default.
pub fn data_dir(lookup: &impl Fn(&str) -> Option<String>) -> PathBuf {
    lookup("CALLBOARD_DATA_DIR")
        .filter(|v| !v.trim().is_empty())
        .map_or_else(paths::default_data_dir, PathBuf::from)
}

/// The line the desktop app prints once it is up: scripts (and the desktop end-to-end tests) read the two
/// listeners' addresses from it, as `ready: UI (\S+) Public (\S+)`.
pub fn ready_line(ui: SocketAddr, public: SocketAddr) -> String {
    format!("Callboard desktop ready: UI http://{ui} Public http://{public}\n")
}

/// The desktop binary's answer when its arguments ask for its version (`--version` or `-V`: installers and
/// packagers check it without opening a window); `None` to start the app.
pub fn version_answer(args: impl IntoIterator<Item = String>) -> Option<String> {
    args.into_iter()
        .any(|a| a == "--version" || a == "-V")
        .then(|| format!("callboard-desktop {}\n", crate::VERSION))
}

/// Launches the core for the desktop window (both listeners, the engine) with the options `lookup` finds in
/// the environment, and prints [`ready_line`] once it is up.
pub async fn start(lookup: impl Fn(&str) -> Option<String>) -> Result<Launched, String> {
    let instance = launch::launch(launch_options(lookup)).await?;
    let (ui, public) = (instance.listeners.ui_addr, instance.listeners.public_addr);
    launch::print_banner(&ready_line(ui, public));
    Ok(instance)
}

/// The desktop app's launch options from the environment (`lookup` is `std::env::var` in the app, a map in
/// tests). A value that does not parse is logged and replaced by its default: the window must still open.
pub fn launch_options(lookup: impl Fn(&str) -> Option<String>) -> LaunchOptions {
    let addr = |name: &str, default: &str| -> SocketAddr {
        let default = default
            .parse()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)));
        match lookup(name) {
            Some(v) => v.trim().parse().unwrap_or_else(|e| {
                tracing::warn!(variable = name, value = %v, error = %e, "ignoring an unparsable address");
                default
            }),
            None => default,
        }
    };
    let sim_speed = match lookup("CALLBOARD_SIM_SPEED").map(|v| v.trim().parse::<f64>()) {
        Some(Ok(speed)) if speed.is_finite() && speed > 0.0 => speed,
        Some(_) => {
            tracing::warn!("ignoring CALLBOARD_SIM_SPEED: not a positive number");
            1.0
        }
        None => 1.0,
    };
    LaunchOptions {
        app: AppOptions {
            data_dir: data_dir(&lookup),
            demo: lookup("CALLBOARD_DEMO").is_some_and(|v| matches!(v.trim(), "1" | "true")),
            public_base_url: lookup("CALLBOARD_PUBLIC_URL").filter(|v| !v.trim().is_empty()),
        },
        // Secrets from the OS keychain (or the encrypted file); `CALLBOARD_*` variables win.
        overrides: EnvOverrides::from_lookup(&lookup),
        secret_store: None,
        ui_addr: addr("CALLBOARD_UI_ADDR", DEFAULT_UI_ADDR),
        public_addr: addr("CALLBOARD_PUBLIC_ADDR", DEFAULT_PUBLIC_ADDR),
        // The window must open even when another copy holds the ports.
        fallback_to_any_port: true,
        ports_from_settings: lookup("CALLBOARD_UI_ADDR").is_none()
            && lookup("CALLBOARD_PUBLIC_ADDR").is_none(),
        ui_dir: None,
        sim_speed,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn the_ready_line_names_both_listeners_as_scripts_read_them() {
        let line = ready_line(
            "127.0.0.1:4100".parse().unwrap_or_else(|e| panic!("{e}")),
            "127.0.0.1:4101".parse().unwrap_or_else(|e| panic!("{e}")),
        );
        let (_, rest) = line.split_once("ready: UI ").unwrap_or_default();
        let words: Vec<&str> = rest.split_whitespace().collect();
        assert_eq!(
            words,
            ["http://127.0.0.1:4100", "Public", "http://127.0.0.1:4101"]
        );
        assert!(
            line.ends_with('\n'),
            "one whole line, so a reader waiting for it gets it at once"
        );
    }

    #[test]
    fn only_a_version_flag_answers_without_starting() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let answer = version_answer(args(&["--version"]));
        assert_eq!(answer, Some(format!("callboard-desktop {}\n", crate::VERSION)));
        assert_eq!(version_answer(args(&["-V"])), answer);
        assert_eq!(version_answer(args(&[])), None);
        assert_eq!(version_answer(args(&["--versions", "-v"])), None);
    }

    fn options(vars: &[(&str, &str)]) -> LaunchOptions {
        let vars: HashMap<String, String> =
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        launch_options(move |k| vars.get(k).cloned())
    }

    #[test]
    fn without_variables_the_app_uses_the_settings_ports_and_falls_back_to_any_port() {
        let o = options(&[]);
        assert_eq!(o.ui_addr.to_string(), DEFAULT_UI_ADDR);
        assert_eq!(o.public_addr.to_string(), DEFAULT_PUBLIC_ADDR);
        assert!(o.ports_from_settings);
        assert!(o.fallback_to_any_port);
        assert!(!o.app.demo);
        assert_eq!(o.app.public_base_url, None);
        assert_eq!(o.sim_speed, 1.0);
        assert_eq!(o.app.data_dir, paths::default_data_dir());
    }

    #[test]
    fn naming_an_address_turns_off_the_settings_ports() {
        let o = options(&[("CALLBOARD_PUBLIC_ADDR", "127.0.0.1:0")]);
        assert_eq!(o.public_addr.port(), 0);
        assert_eq!(o.ui_addr.to_string(), DEFAULT_UI_ADDR);
        assert!(!o.ports_from_settings);
    }

    #[test]
    fn test_hooks_are_read() {
        let o = options(&[
            ("CALLBOARD_DATA_DIR", "/tmp/cb"),
            ("CALLBOARD_UI_ADDR", "127.0.0.1:0"),
            ("CALLBOARD_DEMO", "1"),
            ("CALLBOARD_PUBLIC_URL", "https://x.example"),
            ("CALLBOARD_SIM_SPEED", "20"),
        ]);
        assert_eq!(o.app.data_dir, PathBuf::from("/tmp/cb"));
        assert!(o.app.demo);
        assert_eq!(o.app.public_base_url.as_deref(), Some("https://x.example"));
        assert_eq!(o.sim_speed, 20.0);
    }

    #[test]
    fn unparsable_values_fall_back_to_their_defaults() {
        let o = options(&[
            ("CALLBOARD_UI_ADDR", "not an address"),
            ("CALLBOARD_SIM_SPEED", "-3"),
            ("CALLBOARD_DEMO", "yes please"),
        ]);
        assert_eq!(o.ui_addr.to_string(), DEFAULT_UI_ADDR);
        assert!(
            !o.ports_from_settings,
            "the variable was named, so Settings ports are still off"
        );
        assert_eq!(o.sim_speed, 1.0);
        assert!(!o.app.demo);
    }
}
