;; Batch-norm kernels (kernels/norm.ts). A family of the kernels module (see gemm.wat).
  ;; Per-channel kernels for batch norm and leaky ReLU (core/tf/cpuNormKernels.ts). Rows r0 ≤ r < r1
  ;; of an (rows × c) float32 matrix, c a multiple of 4; per-channel sums in float64 (f64x2 pairs).
  ;; bn_stats: s1[j] += x − shift[j], s2[j] += (x − shift[j])² (shift: f64 per channel).
  (func (export "bn_stats")
    (param $x i32) (param $shift i32) (param $s1 i32) (param $s2 i32) (param $c i32) (param $r0 i32) (param $r1 i32)
    (local $r i32) (local $o i32) (local $j i32) (local $f i32) (local $d i32) (local $v v128) (local $lo v128) (local $hi v128)
    (local.set $r (local.get $r0))
    (block $rdone (loop $rloop
      (br_if $rdone (i32.ge_s (local.get $r) (local.get $r1)))
      (local.set $o (i32.shl (i32.mul (local.get $r) (local.get $c)) (i32.const 2)))
      (local.set $j (i32.const 0))
      (block $jdone (loop $jloop
        (br_if $jdone (i32.ge_s (local.get $j) (local.get $c)))
        ;; f = byte offset of channel j in f32 arrays, d = in f64 arrays
        (local.set $f (i32.shl (local.get $j) (i32.const 2)))
        (local.set $d (i32.shl (local.get $j) (i32.const 3)))
        (local.set $v (v128.load (i32.add (local.get $x) (i32.add (local.get $o) (local.get $f)))))
        (local.set $lo (f64x2.sub (f64x2.promote_low_f32x4 (local.get $v)) (v128.load (i32.add (local.get $shift) (local.get $d)))))
        (local.set $hi (f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))) (v128.load offset=16 (i32.add (local.get $shift) (local.get $d)))))
        (v128.store offset=0 (i32.add (local.get $s1) (local.get $d)) (f64x2.add (v128.load offset=0 (i32.add (local.get $s1) (local.get $d))) (local.get $lo)))
        (v128.store offset=16 (i32.add (local.get $s1) (local.get $d)) (f64x2.add (v128.load offset=16 (i32.add (local.get $s1) (local.get $d))) (local.get $hi)))
        (v128.store offset=0 (i32.add (local.get $s2) (local.get $d)) (f64x2.add (v128.load offset=0 (i32.add (local.get $s2) (local.get $d))) (f64x2.mul (local.get $lo) (local.get $lo))))
        (v128.store offset=16 (i32.add (local.get $s2) (local.get $d)) (f64x2.add (v128.load offset=16 (i32.add (local.get $s2) (local.get $d))) (f64x2.mul (local.get $hi) (local.get $hi))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $jloop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rloop)))
  )
  ;; bn_gsums: s1[j] += dy, s2[j] += dy·(x − mean[j]) (mean: f64 per channel).
  (func (export "bn_gsums")
    (param $dy i32) (param $x i32) (param $mean i32) (param $s1 i32) (param $s2 i32) (param $c i32) (param $r0 i32) (param $r1 i32)
    (local $r i32) (local $o i32) (local $j i32) (local $f i32) (local $d i32) (local $g v128) (local $v v128) (local $glo v128) (local $ghi v128)
    (local.set $r (local.get $r0))
    (block $rdone (loop $rloop
      (br_if $rdone (i32.ge_s (local.get $r) (local.get $r1)))
      (local.set $o (i32.shl (i32.mul (local.get $r) (local.get $c)) (i32.const 2)))
      (local.set $j (i32.const 0))
      (block $jdone (loop $jloop
        (br_if $jdone (i32.ge_s (local.get $j) (local.get $c)))
        ;; f = byte offset of channel j in f32 arrays, d = in f64 arrays
        (local.set $f (i32.shl (local.get $j) (i32.const 2)))
        (local.set $d (i32.shl (local.get $j) (i32.const 3)))
        (local.set $g (v128.load (i32.add (local.get $dy) (i32.add (local.get $o) (local.get $f)))))
        (local.set $v (v128.load (i32.add (local.get $x) (i32.add (local.get $o) (local.get $f)))))
        (local.set $glo (f64x2.promote_low_f32x4 (local.get $g)))
        (local.set $ghi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $g) (local.get $g))))
        (v128.store offset=0 (i32.add (local.get $s1) (local.get $d)) (f64x2.add (v128.load offset=0 (i32.add (local.get $s1) (local.get $d))) (local.get $glo)))
        (v128.store offset=16 (i32.add (local.get $s1) (local.get $d)) (f64x2.add (v128.load offset=16 (i32.add (local.get $s1) (local.get $d))) (local.get $ghi)))
        (v128.store offset=0 (i32.add (local.get $s2) (local.get $d)) (f64x2.add (v128.load offset=0 (i32.add (local.get $s2) (local.get $d))) (f64x2.mul (local.get $glo) (f64x2.sub (f64x2.promote_low_f32x4 (local.get $v)) (v128.load (i32.add (local.get $mean) (local.get $d)))))))
        (v128.store offset=16 (i32.add (local.get $s2) (local.get $d)) (f64x2.add (v128.load offset=16 (i32.add (local.get $s2) (local.get $d))) (f64x2.mul (local.get $ghi) (f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))) (v128.load offset=16 (i32.add (local.get $mean) (local.get $d)))))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $jloop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rloop)))
  )
  ;; bn_affine: y = (x − mean[j])·a[j] + b[j] (float32 per channel).
  (func (export "bn_affine")
    (param $x i32) (param $y i32) (param $mean i32) (param $a i32) (param $b i32) (param $c i32) (param $r0 i32) (param $r1 i32)
    (local $r i32) (local $o i32) (local $j i32) (local $f i32) (local $d i32)
    (local.set $r (local.get $r0))
    (block $rdone (loop $rloop
      (br_if $rdone (i32.ge_s (local.get $r) (local.get $r1)))
      (local.set $o (i32.shl (i32.mul (local.get $r) (local.get $c)) (i32.const 2)))
      (local.set $j (i32.const 0))
      (block $jdone (loop $jloop
        (br_if $jdone (i32.ge_s (local.get $j) (local.get $c)))
        ;; f = byte offset of channel j in f32 arrays, d = in f64 arrays
        (local.set $f (i32.shl (local.get $j) (i32.const 2)))
        (local.set $d (i32.shl (local.get $j) (i32.const 3)))
        (v128.store (i32.add (local.get $y) (i32.add (local.get $o) (local.get $f)))
          (f32x4.add
            (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (i32.add (local.get $o) (local.get $f)))) (v128.load (i32.add (local.get $mean) (local.get $f))))
                       (v128.load (i32.add (local.get $a) (local.get $f))))
            (v128.load (i32.add (local.get $b) (local.get $f)))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $jloop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rloop)))
  )
  ;; bn_dx: dx = a[j]·dy − e[j] − b[j]·(x − mean[j]) (float32 per channel).
  (func (export "bn_dx")
    (param $dy i32) (param $x i32) (param $dx i32) (param $mean i32) (param $a i32) (param $e i32) (param $b i32)
    (param $c i32) (param $r0 i32) (param $r1 i32)
    (local $r i32) (local $o i32) (local $j i32) (local $f i32) (local $d i32)
    (local.set $r (local.get $r0))
    (block $rdone (loop $rloop
      (br_if $rdone (i32.ge_s (local.get $r) (local.get $r1)))
      (local.set $o (i32.shl (i32.mul (local.get $r) (local.get $c)) (i32.const 2)))
      (local.set $j (i32.const 0))
      (block $jdone (loop $jloop
        (br_if $jdone (i32.ge_s (local.get $j) (local.get $c)))
        ;; f = byte offset of channel j in f32 arrays, d = in f64 arrays
        (local.set $f (i32.shl (local.get $j) (i32.const 2)))
        (local.set $d (i32.shl (local.get $j) (i32.const 3)))
        (v128.store (i32.add (local.get $dx) (i32.add (local.get $o) (local.get $f)))
          (f32x4.sub
            (f32x4.sub (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $f))) (v128.load (i32.add (local.get $dy) (i32.add (local.get $o) (local.get $f)))))
                       (v128.load (i32.add (local.get $e) (local.get $f))))
            (f32x4.mul (v128.load (i32.add (local.get $b) (local.get $f)))
                       (f32x4.sub (v128.load (i32.add (local.get $x) (i32.add (local.get $o) (local.get $f)))) (v128.load (i32.add (local.get $mean) (local.get $f)))))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $jloop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rloop)))
  )
