// Small UI state that is not server data: theme, toasts, the event stream's connection state.

import { create } from "zustand";
import type { ConnectionState } from "../platform/types";

export type ThemePref = "system" | "light" | "dark";
export type Theme = "light" | "dark";
const THEME_KEY = "callboard.theme";

function readPref(): ThemePref {
  try {
    const v = localStorage.getItem(THEME_KEY);
    if (v === "light" || v === "dark" || v === "system") return v;
  } catch {
    // storage disabled
  }
  return "system";
}

function systemTheme(): Theme {
  return typeof matchMedia === "function" && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function resolveTheme(pref: ThemePref): Theme {
  return pref === "system" ? systemTheme() : pref;
}

export interface Toast {
  id: number;
  kind: "error" | "warning" | "success" | "info";
  title: string;
  message?: string;
  code?: string;
}

interface UiState {
  themePref: ThemePref;
  theme: Theme;
  setThemePref(p: ThemePref): void;
  toggleTheme(): void;
  /** Re-reads the OS preference (when it changes and the user chose "system"). */
  syncSystemTheme(): void;

  connection: ConnectionState;
  setConnection(s: ConnectionState): void;

  toasts: Toast[];
  toast(t: Omit<Toast, "id">): void;
  dismiss(id: number): void;
}

let nextToast = 1;

export const useUi = create<UiState>((set, get) => ({
  themePref: readPref(),
  theme: resolveTheme(readPref()),
  setThemePref(p) {
    try {
      localStorage.setItem(THEME_KEY, p);
    } catch {
      // ignore
    }
    set({ themePref: p, theme: resolveTheme(p) });
  },
  toggleTheme() {
    get().setThemePref(get().theme === "dark" ? "light" : "dark");
  },
  syncSystemTheme() {
    if (get().themePref === "system") set({ theme: systemTheme() });
  },

  connection: "connecting",
  setConnection: (connection) => set({ connection }),

  toasts: [],
  toast(t) {
    const id = nextToast++;
    set((s) => ({ toasts: [...s.toasts.slice(-2), { ...t, id }] }));
    setTimeout(() => get().dismiss(id), t.kind === "error" || t.kind === "warning" ? 9000 : 3000);
  },
  dismiss: (id) => set((s) => ({ toasts: s.toasts.filter((x) => x.id !== id) })),
}));

/** Applies the theme to <html> so CSS variables switch; call before the first render to avoid a flash. */
export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  document.documentElement.style.colorScheme = theme;
}
