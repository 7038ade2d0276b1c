import { useState } from "react";
import { NOTIFY_KEY, notificationsWanted } from "../alerts";

/** Settings → Notifications: a system notification when something needs attention (opt-out). */
export function NotificationSettings() {
  const [on, setOn] = useState(notificationsWanted);
  const supported = typeof Notification !== "undefined";
  const [permission, setPermission] = useState(supported ? Notification.permission : "denied");
  const toggle = (v: boolean) => {
    setOn(v);
    try {
      localStorage.setItem(NOTIFY_KEY, v ? "on" : "off");
    } catch {
      // storage disabled: the choice lasts this session
    }
    if (v && supported && Notification.permission === "default") {
      void Notification.requestPermission().then(setPermission);
    }
  };
  return (
    <section className="card settings-card">
      <header className="settings-head">
        <h2>Notifications</h2>
        <p className="muted">A system notification when a call or campaign needs attention. Stored in this browser.</p>
      </header>
      <dl className="kv kv-settings">
        <dt>Needs attention</dt>
        <dd>
          <label className="switch-label">
            <input type="checkbox" checked={on} onChange={(e) => toggle(e.target.checked)} data-testid="notify-toggle" />
            {on ? "Notify me" : "Off"}
            {on && permission !== "granted" && (
              <span className="faint">
                {" "}
                · {supported ? (permission === "denied" ? "blocked by the browser" : "the browser will ask first") : "not supported here"}
              </span>
            )}
          </label>
        </dd>
      </dl>
    </section>
  );
}
