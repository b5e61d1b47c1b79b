;; Polyphase FIR resampling kernel (WebAssembly SIMD), used by core/media/resample.ts.
;; Output j of a block is the dot product of `taps` input samples starting at x[base_j] with the
;; coefficient row of phase_j, where (base, phase) advance by (mdiv, mmod) per output and phase
;; wraps at L (base + phase / L = j · M / L, the output's position in input samples).
;; Rows are `taps` floats (a multiple of 4) and the caller pads the input so every read is in range.
;; Build: wat2wasm core/media/polyphase.wat --output=- | base64 -w0  (see polyphaseWasm.ts).
(module
  (import "env" "mem" (memory 1))
  (func (export "fir")
    (param $x i32) (param $tab i32) (param $out i32) (param $n i32)
    (param $base i32) (param $phase i32) (param $L i32) (param $mdiv i32) (param $mmod i32) (param $taps i32)
    (local $j i32) (local $xp i32) (local $tp i32) (local $end i32) (local $rowBytes i32)
    (local $a0 v128) (local $a1 v128)
    (local.set $rowBytes (i32.shl (local.get $taps) (i32.const 2)))
    (block $done
      (loop $outputs
        (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $xp (i32.add (local.get $x) (i32.shl (local.get $base) (i32.const 2))))
        (local.set $tp (i32.add (local.get $tab) (i32.mul (local.get $phase) (local.get $rowBytes))))
        (local.set $end (i32.add (local.get $tp) (local.get $rowBytes)))
        (local.set $a0 (v128.const f32x4 0 0 0 0))
        (local.set $a1 (v128.const f32x4 0 0 0 0))
        ;; taps is a multiple of 4; two accumulators when a multiple of 8
        (if (i32.and (local.get $taps) (i32.const 4))
          (then
            (local.set $a0 (f32x4.mul (v128.load (local.get $tp)) (v128.load (local.get $xp))))
            (local.set $tp (i32.add (local.get $tp) (i32.const 16)))
            (local.set $xp (i32.add (local.get $xp) (i32.const 16)))))
        (block $dotDone
          (loop $dot
            (br_if $dotDone (i32.ge_u (local.get $tp) (local.get $end)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (local.get $tp)) (v128.load (local.get $xp)))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (local.get $tp)) (v128.load offset=16 (local.get $xp)))))
            (local.set $tp (i32.add (local.get $tp) (i32.const 32)))
            (local.set $xp (i32.add (local.get $xp) (i32.const 32)))
            (br $dot)))
        (local.set $a0 (f32x4.add (local.get $a0) (local.get $a1)))
        (f32.store
          (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2)))
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
            (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))
        (local.set $base (i32.add (local.get $base) (local.get $mdiv)))
        (local.set $phase (i32.add (local.get $phase) (local.get $mmod)))
        (if (i32.ge_u (local.get $phase) (local.get $L))
          (then
            (local.set $phase (i32.sub (local.get $phase) (local.get $L)))
            (local.set $base (i32.add (local.get $base) (i32.const 1)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $outputs)))))
