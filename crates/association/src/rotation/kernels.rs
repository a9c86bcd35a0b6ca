//! The vector kernels of the tile product's fixes ([`super::int8`]): the
//! values that are not codes, each added as `v` times a piece of `Uᵀ`'s
//! f32 copy.

/// Asks for the lines of `x` ahead of their use.
pub(super) fn prefetch(x: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    for line in x.chunks(16) {
        // SAFETY: a prefetch reads nothing and `line` is a valid address.
        unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(line.as_ptr().cast()) };
    }
}

/// `y += v x`, in AVX-512 where the CPU has it (every CPU with AMX does).
pub(super) fn axpy(y: &mut [f64], v: f64, x: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU has AVX-512F.
        unsafe { axpy_avx512(y, v, x) };
        return;
    }
    axpy_plain(y, v, x);
}

fn axpy_plain(y: &mut [f64], v: f64, x: &[f32]) {
    for (o, &u) in y.iter_mut().zip(x) {
        *o += v * f64::from(u);
    }
}

/// [`axpy_plain`] compiled for AVX-512.
///
/// # Safety
/// The CPU has AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn axpy_avx512(y: &mut [f64], v: f64, x: &[f32]) {
    axpy_plain(y, v, x);
}
