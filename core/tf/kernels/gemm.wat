;; The packed GEMM micro-kernel (kernels/gemm.ts). One family of the kernels module: the build
;; (scripts/build-gemm-wasm.mjs) puts gemm, conv, norm and activation .wat into one module that
;; imports the shared memory as env.mem. Function bodies only, two-space indented as inside (module).
;;
;; gemm:
;; C (padded, row stride np·8) += A · B where A is packed in panels of 4 rows (panel p holds rows
;; 4p..4p+3, element (r, d) at ((p·K + d)·4 + r)) and B in panels of 8 columns (element (d, c) at
;; ((q·K + d)·8 + c)). Blocked over K (kc) and over A panels (mc) so that a K-slice of B and an
;; MC×KC block of A stay in cache. Each 4×8 tile of C lives in eight f32x4 registers. Only the B
;; panels jp0 ≤ jp < jp1 are computed, so two threads sharing the (imported, shared) memory can split
;; the columns of C.
  (func (export "gemm")
    (param $ap i32) (param $bp i32) (param $cp i32)
    (param $mp i32) (param $np i32) (param $K i32) (param $kc i32) (param $mc i32)
    (param $jp0 i32) (param $jp1 i32)
    (local $k0 i32) (local $kl i32) (local $ib i32) (local $ie i32) (local $jp i32) (local $ip i32)
    (local $a i32) (local $b i32) (local $aend i32) (local $c i32) (local $crow i32)
    (local $b0 v128) (local $b1 v128) (local $x v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    ;; row stride of C in bytes
    (local.set $crow (i32.mul (local.get $np) (i32.const 32)))
    (local.set $k0 (i32.const 0))
    (block $kdone (loop $kloop
      (br_if $kdone (i32.ge_s (local.get $k0) (local.get $K)))
      (local.set $kl (i32.sub (local.get $K) (local.get $k0)))
      (if (i32.gt_s (local.get $kl) (local.get $kc)) (then (local.set $kl (local.get $kc))))
      (local.set $ib (i32.const 0))
      (block $idone (loop $iloop
        (br_if $idone (i32.ge_s (local.get $ib) (local.get $mp)))
        (local.set $ie (i32.add (local.get $ib) (local.get $mc)))
        (if (i32.gt_s (local.get $ie) (local.get $mp)) (then (local.set $ie (local.get $mp))))
        (local.set $jp (local.get $jp0))
        (block $jdone (loop $jloop
          (br_if $jdone (i32.ge_s (local.get $jp) (local.get $jp1)))
          (local.set $ip (local.get $ib))
          (block $pdone (loop $ploop
            (br_if $pdone (i32.ge_s (local.get $ip) (local.get $ie)))
            ;; a = ap + (ip·K + k0)·16, b = bp + (jp·K + k0)·32
            (local.set $a (i32.add (local.get $ap)
              (i32.shl (i32.add (i32.mul (local.get $ip) (local.get $K)) (local.get $k0)) (i32.const 4))))
            (local.set $b (i32.add (local.get $bp)
              (i32.shl (i32.add (i32.mul (local.get $jp) (local.get $K)) (local.get $k0)) (i32.const 5))))
            (local.set $aend (i32.add (local.get $a) (i32.shl (local.get $kl) (i32.const 4))))
            (local.set $c00 (v128.const i32x4 0 0 0 0)) (local.set $c01 (v128.const i32x4 0 0 0 0))
            (local.set $c10 (v128.const i32x4 0 0 0 0)) (local.set $c11 (v128.const i32x4 0 0 0 0))
            (local.set $c20 (v128.const i32x4 0 0 0 0)) (local.set $c21 (v128.const i32x4 0 0 0 0))
            (local.set $c30 (v128.const i32x4 0 0 0 0)) (local.set $c31 (v128.const i32x4 0 0 0 0))
            (block $ddone (loop $dloop
              (br_if $ddone (i32.ge_u (local.get $a) (local.get $aend)))
              (local.set $b0 (v128.load (local.get $b)))
              (local.set $b1 (v128.load offset=16 (local.get $b)))
              (local.set $x (v128.load32_splat (local.get $a)))
              (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
              (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
              (local.set $x (v128.load32_splat offset=4 (local.get $a)))
              (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
              (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
              (local.set $x (v128.load32_splat offset=8 (local.get $a)))
              (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
              (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
              (local.set $x (v128.load32_splat offset=12 (local.get $a)))
              (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
              (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
              (local.set $a (i32.add (local.get $a) (i32.const 16)))
              (local.set $b (i32.add (local.get $b) (i32.const 32)))
              (br $dloop)))
            ;; c = cp + (ip·4)·crow + jp·32
            (local.set $c (i32.add (local.get $cp)
              (i32.add (i32.mul (i32.shl (local.get $ip) (i32.const 2)) (local.get $crow))
                       (i32.shl (local.get $jp) (i32.const 5)))))
            (v128.store (local.get $c) (f32x4.add (v128.load (local.get $c)) (local.get $c00)))
            (v128.store offset=16 (local.get $c) (f32x4.add (v128.load offset=16 (local.get $c)) (local.get $c01)))
            (local.set $c (i32.add (local.get $c) (local.get $crow)))
            (v128.store (local.get $c) (f32x4.add (v128.load (local.get $c)) (local.get $c10)))
            (v128.store offset=16 (local.get $c) (f32x4.add (v128.load offset=16 (local.get $c)) (local.get $c11)))
            (local.set $c (i32.add (local.get $c) (local.get $crow)))
            (v128.store (local.get $c) (f32x4.add (v128.load (local.get $c)) (local.get $c20)))
            (v128.store offset=16 (local.get $c) (f32x4.add (v128.load offset=16 (local.get $c)) (local.get $c21)))
            (local.set $c (i32.add (local.get $c) (local.get $crow)))
            (v128.store (local.get $c) (f32x4.add (v128.load (local.get $c)) (local.get $c30)))
            (v128.store offset=16 (local.get $c) (f32x4.add (v128.load offset=16 (local.get $c)) (local.get $c31)))
            (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
            (br $ploop)))
          (local.set $jp (i32.add (local.get $jp) (i32.const 1)))
          (br $jloop)))
        (local.set $ib (local.get $ie))
        (br $iloop)))
      (local.set $k0 (i32.add (local.get $k0) (local.get $kc)))
      (br $kloop)))
  )

