//! A hint to the CPU to bring memory into its cache ahead of use, for the import's random reads of a buffer far
//! larger than the cache (the set of numbers seen). On other architectures than x86-64 it does nothing.
//! (Prefetching the rows of a chunk copied in phone order, `Packed::sort_into`, saved too little to keep.)

/// Asks the CPU to bring the cache line holding `value` in (nothing waits for it).
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)] // The prefetch instruction is only reachable through `core::arch`.
pub(super) fn prefetch<T>(value: &T) {
    use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
    // SAFETY: a prefetch reads nothing into the program and cannot fault; the address is a live reference.
    unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(value).cast()) }
}

#[cfg(not(target_arch = "x86_64"))]
pub(super) fn prefetch<T>(_: &T) {}
