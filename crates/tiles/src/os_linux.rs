//! The tiles on x86-64 Linux: the permission request, the configuration
//! and the block kernel (inline asm).

use super::TILE_ROWS;
use std::arch::asm;

/// Asks Linux for the tile data state (`XFEATURE_XTILEDATA`), once the
/// CPU reports AMX tiles and int8 multiplies (CPUID leaf 7, EDX bits
/// 24 and 25).
pub(super) fn request() -> bool {
    const ARCH_REQ_XCOMP_PERM: libc::c_long = 0x1023;
    const XFEATURE_XTILEDATA: libc::c_long = 18;
    // (leaf 7 is read only when leaf 0 says it exists)
    if std::arch::x86_64::__cpuid(0).eax < 7 {
        return false;
    }
    let cpuid = std::arch::x86_64::__cpuid_count(7, 0);
    if cpuid.edx & (1 << 24) == 0 || cpuid.edx & (1 << 25) == 0 {
        return false;
    }
    // SAFETY: a request for permission; it changes no memory of ours.
    unsafe { libc::syscall(libc::SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0 }
}

/// The tile configuration (palette 1): tiles 0-3 the sums (16 rows of
/// 16 `i32`), 4-5 two row blocks of `a`, 6-7 two halves of `b`; all
/// 16 rows of 64 bytes.
#[repr(C, align(64))]
struct Config {
    palette: u8,
    start_row: u8,
    reserved: [u8; 14],
    colsb: [u16; 16],
    rows: [u8; 16],
}

/// # Safety
/// The process holds the tile state.
pub(super) unsafe fn configure() {
    let mut cfg = Config {
        palette: 1,
        start_row: 0,
        reserved: [0; 14],
        colsb: [0; 16],
        rows: [0; 16],
    };
    for t in 0..8 {
        cfg.colsb[t] = 64;
        cfg.rows[t] = TILE_ROWS as u8;
    }
    // SAFETY: a valid palette-1 configuration, read from our stack.
    unsafe { asm!("ldtilecfg [{0}]", in(reg) &raw const cfg, options(nostack, readonly)) };
}

/// # Safety
/// The tiles were configured on this thread.
pub(super) unsafe fn release() {
    // SAFETY: releasing this thread's tiles touches no memory.
    unsafe { asm!("tilerelease", options(nostack, nomem)) };
}

/// See [`super::Scope::block`]; `sc` in bytes.
///
/// # Safety
/// Tiles configured on this thread; every tile read (`a[h] + 64 s`,
/// rows `sa` apart; `b[h] + 16 s sb`, rows `sb` apart, for steps `s`)
/// and store (`c[t]`, rows `sc` apart) in bounds.
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn block(
    a: [*const i8; 2],
    sa: usize,
    b: [*const i8; 2],
    sb0: usize,
    sb1: usize,
    steps: usize,
    c: [*mut i32; 4],
    sc: usize,
) {
    // SAFETY (whole block): as the caller promised.
    unsafe {
        asm!(
            "tilezero tmm0",
            "tilezero tmm1",
            "tilezero tmm2",
            "tilezero tmm3",
            options(nostack, nomem)
        );
        for s in 0..steps {
            asm!(
                "tileloadd tmm4, [{a0} + {sa}*1]",
                "tileloadd tmm6, [{b0} + {sb0}*1]",
                "tdpbssd tmm0, tmm4, tmm6",
                "tileloadd tmm7, [{b1} + {sb1}*1]",
                "tdpbssd tmm1, tmm4, tmm7",
                "tileloadd tmm5, [{a1} + {sa}*1]",
                "tdpbssd tmm2, tmm5, tmm6",
                "tdpbssd tmm3, tmm5, tmm7",
                a0 = in(reg) a[0].add(64 * s),
                a1 = in(reg) a[1].add(64 * s),
                b0 = in(reg) b[0].add(16 * s * sb0),
                b1 = in(reg) b[1].add(16 * s * sb1),
                sa = in(reg) sa,
                sb0 = in(reg) sb0,
                sb1 = in(reg) sb1,
                options(nostack, readonly),
            );
        }
        asm!(
            "tilestored [{c0} + {sc}*1], tmm0",
            "tilestored [{c1} + {sc}*1], tmm1",
            "tilestored [{c2} + {sc}*1], tmm2",
            "tilestored [{c3} + {sc}*1], tmm3",
            c0 = in(reg) c[0],
            c1 = in(reg) c[1],
            c2 = in(reg) c[2],
            c3 = in(reg) c[3],
            sc = in(reg) sc,
            options(nostack),
        );
    }
}
