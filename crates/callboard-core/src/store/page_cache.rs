//! A page-cache shim over SQLite's own (`pcache1`) that skips truncations with nothing to drop.
//!
//! At the end of every write transaction SQLite truncates its page cache to the database's size. `pcache1`
//! decides how to do that from the largest page number it has ever held: when few pages lie above the new
//! size it looks at those slots only, otherwise it walks its whole hash table. But B-tree rebalancing
//! (`balance_nonroot`) swaps two pages' numbers through a temporary one, the page number of the 1 GiB
//! "pending byte" (262,145 with 4 KiB pages), which no database below 1 GiB ever uses. After any transaction
//! that rebalanced, the next truncation walks every page of the cache (4,096 for the writer's 16 MiB), and
//! finds nothing to drop: 3.7% of the engine week's time went there.
//!
//! The shim keeps, per cache, the largest page number actually held (the temporary one excluded: it is
//! always renumbered again before SQLite lets go of the page) and passes a truncation on only when some page
//! may lie at or above the limit. Everything else goes straight to `pcache1`.
//!
//! It must be installed before SQLite initializes (before the first connection or VFS lookup); if SQLite is
//! already running, installing fails harmlessly and `pcache1` works alone.
#![allow(unsafe_code)] // SQLite's page-cache plug-in API is C function pointers.

use std::{
    ffi::{c_int, c_uint},
    sync::{
        OnceLock,
        atomic::{AtomicU32, Ordering},
    },
};

use rusqlite::ffi;

/// SQLite's pending-byte offset (the default; only SQLite's own tests move it).
const PENDING_BYTE: u32 = 0x4000_0000;

/// `pcache1`'s methods, read once from SQLite before the shim replaces them.
struct Inner(ffi::sqlite3_pcache_methods2);
// SAFETY: the methods are plain function pointers and a null `pArg`, written once and only read afterwards.
unsafe impl Send for Inner {}
unsafe impl Sync for Inner {}

/// Set before the shim is registered, so that the shim never runs without it.
static PCACHE1: OnceLock<Inner> = OnceLock::new();

/// Truncations passed on to `pcache1`, and skipped (tests check the shim is in use). Counted in tests only:
/// every connection's commits would otherwise bump the same two counters.
#[cfg(test)]
static TRUNCATES_PASSED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
#[cfg(test)]
static TRUNCATES_SKIPPED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// One cache: `pcache1`'s, and the largest page number it may hold.
struct Cache {
    inner: *mut ffi::sqlite3_pcache,
    /// The page number `balance_nonroot` parks a page at while swapping two.
    parking: u32,
    max_key: AtomicU32,
}

/// Installs the shim, once per process; true if it is in place.
pub fn install() -> bool {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    *INSTALLED.get_or_init(|| {
        let mut inner = ffi::sqlite3_pcache_methods2 {
            iVersion: 0,
            pArg: std::ptr::null_mut(),
            xInit: None,
            xShutdown: None,
            xCreate: None,
            xCachesize: None,
            xPagecount: None,
            xFetch: None,
            xUnpin: None,
            xRekey: None,
            xTruncate: None,
            xDestroy: None,
            xShrink: None,
        };
        // SAFETY: GETPCACHE2 copies the current methods into `inner`; it does not keep the pointer.
        let rc = unsafe { ffi::sqlite3_config(ffi::SQLITE_CONFIG_GETPCACHE2, &mut inner as *mut _) };
        if rc != ffi::SQLITE_OK || inner.xCreate.is_none() {
            tracing::debug!(
                rc,
                "SQLite is already initialized; its page cache is used as it is"
            );
            return false;
        }
        let shim = ffi::sqlite3_pcache_methods2 {
            iVersion: inner.iVersion,
            pArg: inner.pArg,
            xInit: inner.xInit,
            xShutdown: inner.xShutdown,
            xCreate: Some(x_create),
            xCachesize: Some(x_cachesize),
            xPagecount: Some(x_pagecount),
            xFetch: Some(x_fetch),
            xUnpin: Some(x_unpin),
            xRekey: Some(x_rekey),
            xTruncate: Some(x_truncate),
            xDestroy: Some(x_destroy),
            xShrink: Some(x_shrink),
        };
        // The shim forwards to pcache1 through PCACHE1, so that is set before the shim is registered.
        if PCACHE1.set(Inner(inner)).is_err() {
            return false;
        }
        // SAFETY: PCACHE2 copies the struct; it is only allowed before initialization, else MISUSE.
        let rc = unsafe { ffi::sqlite3_config(ffi::SQLITE_CONFIG_PCACHE2, &shim as *const _) };
        if rc != ffi::SQLITE_OK {
            tracing::debug!(rc, "cannot install the page-cache shim; SQLite's own is used");
            return false;
        }
        true
    })
}

/// pcache1's methods (always set once the shim is registered; `None` only guards against a panic in C).
fn inner() -> Option<&'static ffi::sqlite3_pcache_methods2> {
    PCACHE1.get().map(|i| &i.0)
}

unsafe fn cache<'a>(p: *mut ffi::sqlite3_pcache) -> &'a Cache {
    // SAFETY: every cache SQLite hands the shim was made by `x_create` as a boxed Cache.
    unsafe { &*p.cast::<Cache>() }
}

unsafe extern "C" fn x_create(sz_page: c_int, sz_extra: c_int, purgeable: c_int) -> *mut ffi::sqlite3_pcache {
    let Some(create) = inner().and_then(|m| m.xCreate) else {
        return std::ptr::null_mut();
    };
    // SAFETY: forwarding SQLite's own arguments to pcache1.
    let inner = unsafe { create(sz_page, sz_extra, purgeable) };
    if inner.is_null() {
        return inner;
    }
    let page_size = u32::try_from(sz_page).unwrap_or(u32::MAX).max(1);
    let cache = Cache {
        inner,
        parking: PENDING_BYTE / page_size + 1,
        max_key: AtomicU32::new(0),
    };
    Box::into_raw(Box::new(cache)).cast()
}

unsafe extern "C" fn x_cachesize(p: *mut ffi::sqlite3_pcache, n: c_int) {
    if let Some(f) = inner().and_then(|m| m.xCachesize) {
        // SAFETY: `p` is a shim cache; its inner cache is pcache1's.
        unsafe { f(cache(p).inner, n) }
    }
}

unsafe extern "C" fn x_pagecount(p: *mut ffi::sqlite3_pcache) -> c_int {
    // SAFETY: as above.
    inner()
        .and_then(|m| m.xPagecount)
        .map_or(0, |f| unsafe { f(cache(p).inner) })
}

unsafe extern "C" fn x_fetch(
    p: *mut ffi::sqlite3_pcache,
    key: c_uint,
    create: c_int,
) -> *mut ffi::sqlite3_pcache_page {
    let Some(fetch) = inner().and_then(|m| m.xFetch) else {
        return std::ptr::null_mut();
    };
    // SAFETY: as above.
    let c = unsafe { cache(p) };
    // SAFETY: forwarding.
    let page = unsafe { fetch(c.inner, key, create) };
    if !page.is_null() {
        c.max_key.fetch_max(key, Ordering::Relaxed);
    }
    page
}

unsafe extern "C" fn x_unpin(
    p: *mut ffi::sqlite3_pcache,
    page: *mut ffi::sqlite3_pcache_page,
    discard: c_int,
) {
    if let Some(f) = inner().and_then(|m| m.xUnpin) {
        // SAFETY: forwarding.
        unsafe { f(cache(p).inner, page, discard) }
    }
}

unsafe extern "C" fn x_rekey(
    p: *mut ffi::sqlite3_pcache,
    page: *mut ffi::sqlite3_pcache_page,
    old: c_uint,
    new: c_uint,
) {
    // SAFETY: as above.
    let c = unsafe { cache(p) };
    if let Some(f) = inner().and_then(|m| m.xRekey) {
        // SAFETY: forwarding.
        unsafe { f(c.inner, page, old, new) }
    }
    if new != c.parking {
        c.max_key.fetch_max(new, Ordering::Relaxed);
    }
}

unsafe extern "C" fn x_truncate(p: *mut ffi::sqlite3_pcache, limit: c_uint) {
    // SAFETY: as above.
    let c = unsafe { cache(p) };
    if !must_truncate(c.max_key.load(Ordering::Relaxed), limit) {
        #[cfg(test)]
        TRUNCATES_SKIPPED.fetch_add(1, Ordering::Relaxed);
        return;
    }
    if let Some(f) = inner().and_then(|m| m.xTruncate) {
        // SAFETY: forwarding.
        unsafe { f(c.inner, limit) }
    }
    #[cfg(test)]
    TRUNCATES_PASSED.fetch_add(1, Ordering::Relaxed);
    c.max_key.store(limit.saturating_sub(1), Ordering::Relaxed);
}

/// Whether a cache whose pages are all numbered `max_key` or below can hold a page at `limit` or above.
fn must_truncate(max_key: u32, limit: u32) -> bool {
    limit <= max_key
}

unsafe extern "C" fn x_destroy(p: *mut ffi::sqlite3_pcache) {
    // SAFETY: SQLite destroys each cache once and never uses it again; the box is ours (from x_create).
    let c = unsafe { Box::from_raw(p.cast::<Cache>()) };
    if let Some(f) = inner().and_then(|m| m.xDestroy) {
        // SAFETY: forwarding.
        unsafe { f(c.inner) }
    }
}

unsafe extern "C" fn x_shrink(p: *mut ffi::sqlite3_pcache) {
    if let Some(f) = inner().and_then(|m| m.xShrink) {
        // SAFETY: forwarding.
        unsafe { f(cache(p).inner) }
    }
}

#[cfg(test)]
mod tests;
