//! Buffers that start on a cache line, for the tiles' operands and sums.

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

/// One cache line.
#[repr(C, align(64))]
#[derive(Clone, Copy)]
struct Line([u8; 64]);

/// Element types whose every bit pattern is a value (zero included):
/// `i8`, `u8` and `i32`, and no others (the trait is sealed, so that no
/// type with invalid bit patterns can be viewed through [`Aligned`]).
pub trait Plain: Copy + sealed::Sealed {}
impl Plain for i8 {}
impl Plain for u8 {}
impl Plain for i32 {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for i8 {}
    impl Sealed for u8 {}
    impl Sealed for i32 {}
}

/// A zeroed buffer of `T` starting on a cache line: a tile row of 64
/// bytes is then one line, not two (unaligned, every tile load touched
/// twice the lines, and the product ran at half the speed).
pub struct Aligned<T: Plain> {
    lines: Vec<Line>,
    len: usize,
    _t: PhantomData<T>,
}

impl<T: Plain> Aligned<T> {
    /// `len` zeros.
    pub fn zeroed(len: usize) -> Self {
        let bytes = len * std::mem::size_of::<T>();
        Self {
            lines: vec![Line([0; 64]); bytes.div_ceil(64)],
            len,
            _t: PhantomData,
        }
    }

    /// `len` zeros, or `None` when the allocation fails.
    pub fn try_zeroed(len: usize) -> Option<Self> {
        let lines = len.checked_mul(std::mem::size_of::<T>())?.div_ceil(64);
        let mut v = Vec::new();
        v.try_reserve_exact(lines).ok()?;
        v.resize(lines, Line([0; 64]));
        Some(Self {
            lines: v,
            len,
            _t: PhantomData,
        })
    }
}

/// `bytes` read as signed bytes (the tiles multiply signed bytes; counts
/// 0, 1, 2 have the same bits either way).
pub fn as_signed(bytes: &[u8]) -> &[i8] {
    // SAFETY: `u8` and `i8` have the same size and alignment, and every
    // bit pattern is a value of both.
    unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast::<i8>(), bytes.len()) }
}

impl<T: Plain> Deref for Aligned<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        // SAFETY: the lines hold at least `len` values of `T` (`Plain`: any
        // bits are a value) and a line's alignment is at least `T`'s.
        unsafe { std::slice::from_raw_parts(self.lines.as_ptr().cast::<T>(), self.len) }
    }
}

impl<T: Plain> DerefMut for Aligned<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as for `deref`, with the lines borrowed uniquely.
        unsafe { std::slice::from_raw_parts_mut(self.lines.as_mut_ptr().cast::<T>(), self.len) }
    }
}

impl<T: Plain> std::fmt::Debug for Aligned<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Aligned({} values)", self.len)
    }
}
