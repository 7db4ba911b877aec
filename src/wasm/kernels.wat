;; Float32 kernels in WebAssembly SIMD (f64x2), for float32 arrays (.npy,
;; .npz, .safetensors); and at the end, float64 kernels of the exp family
;; for every array (in JavaScript, 19-37 ns an element: gelu was behind
;; JAX's vectorised float64 code end to end, silu and sigmoid close to it).
;;
;; Why this exists: numpy and XLA compute float32 activations with SIMD,
;; several elements an instruction; JavaScript computes one element at a
;; time (a sigmoid' costs ~14 ns, 10 of them Math.exp), and a float32 file
;; has twice the elements of a float64 one of the same size. Here four
;; floats are loaded at once, widened to two f64x2, computed with an exp
;; within 1 ulp of Math.exp (plenty for float32: the result is rounded
;; once, to float32, and test/wasm.test.ts holds it to 1 ulp of the exact
;; value and to the float64 JavaScript kernels), and narrowed back.
;;
;; Every kernel works in place on the float32 array at offset 0 of the
;; memory, n elements rounded up to a multiple of 4 by the caller.
;; scripts/build-wasm.mjs adds one such loop per "$f64x2_<name>" function
;; below, and per "$f64x2d_<name>" (float64) function that has no float32
;; form of its own (the loops are identical but for the call); assembles the
;; module with wabt (npm).
(module
  (memory (export "memory") 16)

  ;; The Taylor terms of e^r past 1 + r, divided by r^2: q = 1/2 + r/6 +
  ;; ... + r^11/13! (truncation 4e-18 relative for |r| <= ln2/2), by
  ;; Estrin's scheme: a short dependency chain. r2 = r^2, r4 = r^4.
  (func $expq (param $r v128) (param $r2 v128) (param $r4 v128) (result v128)
    (f64x2.add
      (f64x2.add
        (f64x2.add (f64x2.splat (f64.const 0.5)) (f64x2.mul (f64x2.splat (f64.const 0.16666666666666666)) (local.get $r)))
        (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0.041666666666666664)) (f64x2.mul (f64x2.splat (f64.const 0.008333333333333333)) (local.get $r))) (local.get $r2)))
      (f64x2.mul
        (f64x2.add
          (f64x2.add
            (f64x2.add (f64x2.splat (f64.const 0.001388888888888889)) (f64x2.mul (f64x2.splat (f64.const 0.0001984126984126984)) (local.get $r)))
            (f64x2.mul (f64x2.add (f64x2.splat (f64.const 2.48015873015873e-05)) (f64x2.mul (f64x2.splat (f64.const 2.7557319223985893e-06)) (local.get $r))) (local.get $r2)))
          (f64x2.mul
            (f64x2.add
              (f64x2.add (f64x2.splat (f64.const 2.755731922398589e-07)) (f64x2.mul (f64x2.splat (f64.const 2.505210838544172e-08)) (local.get $r)))
              (f64x2.mul (f64x2.add (f64x2.splat (f64.const 2.08767569878681e-09)) (f64x2.mul (f64x2.splat (f64.const 1.6059043836821613e-10)) (local.get $r))) (local.get $r2)))
            (local.get $r4)))
        (local.get $r4))))

  ;; e^x for x <= 0 (NaN stays NaN), two lanes, every kernel's exp: within
  ;; 1 ulp of Math.exp, and the same double for ~95% of arguments (the
  ;; float64 kernels reproduce JavaScript references that call Math.exp).
  ;; Cody-Waite reduction x = k ln2 + r, |r| <= ln2/2, with k = round(x
  ;; log2 e) by adding 1.5 * 2^52; e^r = 1 + (r + r^2 q(r)), q the Taylor
  ;; terms to degree 13 (truncation 4e-18 relative) by Estrin's scheme, so
  ;; that the last rounding is one addition to 1; times 2^k built in the
  ;; exponent bits, in two halves so that each is a normal number and the
  ;; product rounds once: subnormal results are right too. x is clamped at
  ;; -746, below which e^x rounds to 0.
  (func $exp64 (param $x v128) (result v128)
    (local $kk v128) (local $k v128) (local $r v128) (local $q v128) (local $r2 v128) (local $r4 v128) (local $k1 v128)
    ;; pmax (a < b ? b : a) is one instruction; NaN stays in a.
    (local.set $x (f64x2.pmax (local.get $x) (f64x2.splat (f64.const -746))))
    (local.set $kk (f64x2.add (f64x2.mul (local.get $x) (f64x2.splat (f64.const 1.4426950408889634))) (f64x2.splat (f64.const 6755399441055744))))
    (local.set $k (f64x2.sub (local.get $kk) (f64x2.splat (f64.const 6755399441055744))))
    (local.set $r (f64x2.sub
      (f64x2.sub (local.get $x) (f64x2.mul (local.get $k) (f64x2.splat (f64.const 6.93147180369123816490e-01))))
      (f64x2.mul (local.get $k) (f64x2.splat (f64.const 1.90821492927058770002e-10)))))
    (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
    (local.set $r4 (f64x2.mul (local.get $r2) (local.get $r2)))
    (local.set $q (call $expq (local.get $r) (local.get $r2) (local.get $r4)))
    ;; k1 = round(k/2) and k - k1, both in [-539, 0], as integers in the low
    ;; bits (adding 1.5 * 2^52 again), shifted into the exponent field plus
    ;; the bias (mod 2^64). NaN lanes: any scale, the result is NaN.
    (local.set $k1 (f64x2.add (f64x2.mul (local.get $k) (f64x2.splat (f64.const 0.5))) (f64x2.splat (f64.const 6755399441055744))))
    (local.set $kk (f64x2.add (f64x2.sub (local.get $k) (f64x2.sub (local.get $k1) (f64x2.splat (f64.const 6755399441055744)))) (f64x2.splat (f64.const 6755399441055744))))
    (f64x2.mul
      (f64x2.mul
        (f64x2.add (f64x2.splat (f64.const 1)) (f64x2.add (local.get $r) (f64x2.mul (local.get $r2) (local.get $q))))
        (i64x2.add (i64x2.shl (local.get $k1) (i32.const 52)) (i64x2.splat (i64.const 0x3ff0000000000000))))
      (i64x2.add (i64x2.shl (local.get $kk) (i32.const 52)) (i64x2.splat (i64.const 0x3ff0000000000000)))))

  ;; tanhshrink'(x) = tanh^2 x. tanh|x| = (1-t)/(1+t), t = e^-2|x|, except
  ;; below 1/16, where 1-t cancels: there its series to x^13 (truncation
  ;; below 2e-17 relative; to x^9 it was 8e-15 at 1/16, which rounded 4
  ;; float32 inputs, +-0.0562 and +-0.0616, the other way from the exact
  ;; value and the float64 path: npm run verify:f32).
  (func $f64x2_tanhshrink (param $x v128) (param $a f64) (param $b f64) (result v128)
    (local $ax v128) (local $t v128) (local $z v128) (local $s v128) (local $th v128)
    (local.set $ax (f64x2.abs (local.get $x)))
    (local.set $t (call $exp64 (f64x2.mul (f64x2.splat (f64.const -2)) (local.get $ax))))
    (local.set $z (f64x2.mul (local.get $ax) (local.get $ax)))
    (local.set $s (f64x2.splat (f64.const 0.003592128036572481)))  ;; 21844/6081075
    (local.set $s (f64x2.add (f64x2.mul (local.get $s) (local.get $z)) (f64x2.splat (f64.const -0.008863235529902197))))  ;; -1382/155925
    (local.set $s (f64x2.add (f64x2.mul (local.get $s) (local.get $z)) (f64x2.splat (f64.const 0.021869488536155203))))  ;; 62/2835
    (local.set $s (f64x2.add (f64x2.mul (local.get $s) (local.get $z)) (f64x2.splat (f64.const -0.05396825396825397))))  ;; -17/315
    (local.set $s (f64x2.add (f64x2.mul (local.get $s) (local.get $z)) (f64x2.splat (f64.const 0.13333333333333333))))  ;; 2/15
    (local.set $s (f64x2.add (f64x2.mul (local.get $s) (local.get $z)) (f64x2.splat (f64.const -0.3333333333333333))))  ;; -1/3
    (local.set $s (f64x2.add (f64x2.mul (local.get $s) (local.get $z)) (f64x2.splat (f64.const 1))))
    (local.set $th (v128.bitselect
      (f64x2.mul (local.get $ax) (local.get $s))
      (f64x2.div
        (f64x2.sub (f64x2.splat (f64.const 1)) (local.get $t))
        (f64x2.add (f64x2.splat (f64.const 1)) (local.get $t)))
      (f64x2.lt (local.get $ax) (f64x2.splat (f64.const 0.0625)))))
    (f64x2.mul (local.get $th) (local.get $th)))

;; celu: 1 for x > 0, e^(x/a) otherwise, a = alpha > 0.
  (func $f64x2_celu (param $x v128) (param $a f64) (param $b f64) (result v128)
    (v128.bitselect
      (f64x2.splat (f64.const 1))
      (call $exp64 (f64x2.div (f64x2.pmin (local.get $x) (f64x2.splat (f64.const 0))) (f64x2.splat (local.get $a))))
      (f64x2.gt (local.get $x) (f64x2.splat (f64.const 0)))))

  ;; softplus'(x) = 1 where beta*x > threshold, else sigma(beta*x); a = beta, b = threshold.
  (func $f64x2_softplus (param $x v128) (param $a f64) (param $b f64) (result v128)
    (local $y v128) (local $t v128) (local $d v128)
    (local.set $y (f64x2.mul (local.get $x) (f64x2.splat (local.get $a))))
    (local.set $t (call $exp64 (f64x2.neg (f64x2.abs (local.get $y)))))
    (local.set $d (f64x2.add (f64x2.splat (f64.const 1)) (local.get $t)))
    (v128.bitselect
      (f64x2.splat (f64.const 1))
      (v128.bitselect
        (f64x2.div (f64x2.splat (f64.const 1)) (local.get $d))
        (f64x2.div (local.get $t) (local.get $d))
        (f64x2.ge (local.get $y) (f64x2.splat (f64.const 0))))
      (f64x2.gt (local.get $y) (f64x2.splat (local.get $b)))))

;; silu'(x) = sigma(x) + x sigma'(x), t = e^-|x|. x is clamped to +-1000 in
  ;; the product (inf * 0 would be NaN), and below -745.13 the result is +0 as
  ;; the float64 kernel's (e^x is 0 there). Near the root at -1.2785 the two
  ;; terms cancel to about 1e-17 absolute: below half a float32 ulp of the
  ;; result at every float32 x (test/wasm.test.ts checks the neighbourhood).
  (func $f64x2_silu (param $x v128) (param $a f64) (param $b f64) (result v128)
    (local $t v128) (local $d v128) (local $s v128)
    (local.set $t (call $exp64 (f64x2.neg (f64x2.abs (local.get $x)))))
    (local.set $d (f64x2.add (f64x2.splat (f64.const 1)) (local.get $t)))
    (local.set $s (v128.bitselect
      (f64x2.div (f64x2.splat (f64.const 1)) (local.get $d))
      (f64x2.div (local.get $t) (local.get $d))
      (f64x2.ge (local.get $x) (f64x2.splat (f64.const 0)))))
    (v128.bitselect
      (f64x2.splat (f64.const 0))
      (f64x2.add (local.get $s)
        (f64x2.mul
          (f64x2.pmin (f64x2.pmax (local.get $x) (f64x2.splat (f64.const -1000))) (f64x2.splat (f64.const 1000)))
          (f64x2.div (local.get $t) (f64x2.mul (local.get $d) (local.get $d)))))
      (f64x2.lt (local.get $x) (f64x2.splat (f64.const -745.1332191019411)))))

;; mish'(x) in e = e^-|x|, as the float64 kernel writes it, so nothing
  ;; cancels in the tails: for x <= 0 (u = e), w = u(u + 2), d = w + 2,
  ;; w/d + 4xu(1 + u)/d^2; for x > 0 (v = e), d = 1 + 2v + 2v^2,
  ;; (1 + 2v)/d + 4xv^2(1 + v)/d^2. x is clamped to +-1000 in the products
  ;; (inf * 0); 1 at +inf, +0 below -745.13 (where the float64 kernel's e^x is 0). Within
  ;; 2^-16 of the root at -1.1924 the terms cancel too much for float32
  ;; (~6e-17 absolute against results below 4e-6): there the Taylor
  ;; expansion about the root from src/activations/roots.generated.ts, to
  ;; degree 4 (the build script fills in its constants).
  (func $f64x2_mish (param $x v128) (param $a f64) (param $b f64) (result v128)
    (local $e v128) (local $xc v128) (local $w v128) (local $d v128) (local $neg v128) (local $pos v128)
    (local.set $e (call $exp64 (f64x2.neg (f64x2.abs (local.get $x)))))
    (local.set $xc (f64x2.pmin (f64x2.pmax (local.get $x) (f64x2.splat (f64.const -1000))) (f64x2.splat (f64.const 1000))))
    ;; x <= 0
    (local.set $w (f64x2.mul (local.get $e) (f64x2.add (local.get $e) (f64x2.splat (f64.const 2)))))
    (local.set $d (f64x2.add (local.get $w) (f64x2.splat (f64.const 2))))
    (local.set $neg (f64x2.add
      (f64x2.div (local.get $w) (local.get $d))
      (f64x2.div
        (f64x2.mul (f64x2.mul (f64x2.splat (f64.const 4)) (local.get $xc)) (f64x2.mul (local.get $e) (f64x2.add (f64x2.splat (f64.const 1)) (local.get $e))))
        (f64x2.mul (local.get $d) (local.get $d)))))
    ;; x > 0
    (local.set $d (f64x2.add (f64x2.splat (f64.const 1))
      (f64x2.mul (f64x2.mul (f64x2.splat (f64.const 2)) (local.get $e)) (f64x2.add (f64x2.splat (f64.const 1)) (local.get $e)))))
    (local.set $pos (f64x2.add
      (f64x2.div (f64x2.add (f64x2.splat (f64.const 1)) (f64x2.mul (f64x2.splat (f64.const 2)) (local.get $e))) (local.get $d))
      (f64x2.div
        (f64x2.mul (f64x2.mul (f64x2.splat (f64.const 4)) (local.get $xc)) (f64x2.mul (f64x2.mul (local.get $e) (local.get $e)) (f64x2.add (f64x2.splat (f64.const 1)) (local.get $e))))
        (f64x2.mul (local.get $d) (local.get $d)))))
    (local.set $w (f64x2.sub (f64x2.sub (local.get $x) (f64x2.splat (f64.const {{mishRoot.hi}}))) (f64x2.splat (f64.const {{mishRoot.lo}}))))
    (local.set $d (f64x2.mul (local.get $w)
      (f64x2.add (f64x2.splat (f64.const {{mishRoot.c1}})) (f64x2.mul (local.get $w)
        (f64x2.add (f64x2.splat (f64.const {{mishRoot.c2}})) (f64x2.mul (local.get $w)
          (f64x2.add (f64x2.splat (f64.const {{mishRoot.c3}})) (f64x2.mul (local.get $w) (f64x2.splat (f64.const {{mishRoot.c4}}))))))))))
    (v128.bitselect
      (local.get $d)
      (v128.bitselect
        (f64x2.splat (f64.const 0))
        (v128.bitselect (local.get $pos) (local.get $neg) (f64x2.gt (local.get $x) (f64x2.splat (f64.const 0))))
        (f64x2.lt (local.get $x) (f64x2.splat (f64.const -745.1332191019411))))
      (f64x2.lt (f64x2.abs (local.get $w)) (f64x2.splat (f64.const 0x1p-16)))))

;; PyTorch's tanh-GELU derivative, 0.5(1 + tanh u) + 0.5x sech^2(u) beta(1 +
  ;; 3 kappa x^2), u = beta(x + kappa x^3), with E = e^-2|u| as the float64
  ;; kernel writes it: 0.5(1 + tanh u) = 1/(1+E) for u >= 0, E/(1+E) below;
  ;; sech^2 u = 4E/(1+E)^2. 1 above x = 30, +0 below -30 and where the float64
  ;; kernel's E underflows for u < 0 (2|u| > 745.13); within 2^-16 of the root at
  ;; -0.7525 the Taylor expansion about it (roots.generated.ts), to degree 4.
  (func $f64x2_geluTanh (param $x v128) (param $a f64) (param $b f64) (result v128)
    (local $x2 v128) (local $u v128) (local $e v128) (local $d v128) (local $r v128) (local $w v128) (local $near v128)
    (local.set $x2 (f64x2.mul (local.get $x) (local.get $x)))
    (local.set $u (f64x2.mul (f64x2.splat (f64.const 0.7978845608028654))
      (f64x2.add (local.get $x) (f64x2.mul (f64x2.splat (f64.const 0.044715)) (f64x2.mul (local.get $x2) (local.get $x))))))
    (local.set $e (call $exp64 (f64x2.mul (f64x2.splat (f64.const -2)) (f64x2.abs (local.get $u)))))
    (local.set $d (f64x2.add (f64x2.splat (f64.const 1)) (local.get $e)))
    (local.set $r (f64x2.add
      (v128.bitselect
        (f64x2.div (f64x2.splat (f64.const 1)) (local.get $d))
        (f64x2.div (local.get $e) (local.get $d))
        (f64x2.ge (local.get $u) (f64x2.splat (f64.const 0))))
      (f64x2.mul
        (f64x2.mul (f64x2.mul (f64x2.splat (f64.const 0.5)) (local.get $x)) (f64x2.div (f64x2.mul (f64x2.splat (f64.const 4)) (local.get $e)) (f64x2.mul (local.get $d) (local.get $d))))
        (f64x2.mul (f64x2.splat (f64.const 0.7978845608028654))
          (f64x2.add (f64x2.splat (f64.const 1)) (f64x2.mul (f64x2.splat (f64.const 0.134145)) (local.get $x2)))))))
    ;; +0 where the float64 kernel's e^-2|u| is 0, and below -30; 1 above 30
    (local.set $r (v128.bitselect
      (f64x2.splat (f64.const 0))
      (local.get $r)
      (v128.or
        (f64x2.lt (local.get $u) (f64x2.splat (f64.const -372.56660955097055)))
        (f64x2.lt (local.get $x) (f64x2.splat (f64.const -30))))))
    (local.set $r (v128.bitselect (f64x2.splat (f64.const 1)) (local.get $r) (f64x2.gt (local.get $x) (f64x2.splat (f64.const 30)))))
    (local.set $w (f64x2.sub (f64x2.sub (local.get $x) (f64x2.splat (f64.const {{geluTanhRoot.hi}}))) (f64x2.splat (f64.const {{geluTanhRoot.lo}}))))
    (v128.bitselect
      (f64x2.mul (local.get $w)
        (f64x2.add (f64x2.splat (f64.const {{geluTanhRoot.c1}})) (f64x2.mul (local.get $w)
          (f64x2.add (f64x2.splat (f64.const {{geluTanhRoot.c2}})) (f64x2.mul (local.get $w)
            (f64x2.add (f64x2.splat (f64.const {{geluTanhRoot.c3}})) (f64x2.mul (local.get $w) (f64x2.splat (f64.const {{geluTanhRoot.c4}})))))))))
      (local.get $r)
      (f64x2.lt (f64x2.abs (local.get $w)) (f64x2.splat (f64.const 0x1p-16)))))

;; gelu'(x) = Phi(x) + x phi(x), through Mills' ratio M(t) = Q(t)/phi(t),
  ;; t = |x|: g = phi(t)(M(t) - t) is gelu' for x < 0 and 1 - g for x >= 0.
  ;; M is the rational P10/Q10 of fixtures/make_mills.py (relative error
  ;; 8e-16 on [0, 16]; all coefficients positive, so Horner's scheme does not
  ;; cancel). Beyond 16: 1 for x > 0; -0 for x < -16, as the float64
  ;; kernel's tiny negative values round, and +0 where its phi underflows
  ;; (x^2/2 > 745.13, |x| > 38.6). Within
  ;; 2^-6 of the root at -0.7518, where M - t cancels, the Taylor expansion
  ;; about it (roots.generated.ts), to degree 8.
  (func $f64x2_gelu (param $x v128) (param $a f64) (param $b f64) (result v128)
    (local $t v128) (local $g v128) (local $r v128) (local $w v128)
    (local.set $t (f64x2.abs (local.get $x)))
    (local.set $g (f64x2.mul
      (f64x2.mul (f64x2.splat (f64.const 0.3989422804014327))
        (call $exp64 (f64x2.mul (f64x2.splat (f64.const -0.5)) (f64x2.mul (local.get $t) (local.get $t)))))
      (f64x2.sub (f64x2.div (f64x2.add (f64x2.splat (f64.const {{mills.p0}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.p1}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.p2}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.p3}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.p4}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.p5}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.p6}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.p7}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.p8}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.p9}})) (f64x2.mul (local.get $t) (f64x2.splat (f64.const {{mills.p10}})))))))))))))))))))))) (f64x2.add (f64x2.splat (f64.const {{mills.q0}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.q1}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.q2}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.q3}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.q4}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.q5}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.q6}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.q7}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.q8}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.q9}})) (f64x2.mul (local.get $t) (f64x2.splat (f64.const {{mills.q10}}))))))))))))))))))))))) (local.get $t))))
    (local.set $r (v128.bitselect
      (local.get $g)
      (f64x2.sub (f64x2.splat (f64.const 1)) (local.get $g))
      (f64x2.lt (local.get $x) (f64x2.splat (f64.const 0)))))
    (local.set $r (v128.bitselect (f64x2.splat (f64.const 1)) (local.get $r) (f64x2.gt (local.get $x) (f64x2.splat (f64.const 16)))))
    (local.set $r (v128.bitselect (f64x2.splat (f64.const -0.0)) (local.get $r) (f64x2.lt (local.get $x) (f64x2.splat (f64.const -16)))))
    (local.set $r (v128.bitselect (f64x2.splat (f64.const 0)) (local.get $r)
      (v128.and
        (f64x2.lt (local.get $x) (f64x2.splat (f64.const 0)))
        (f64x2.lt (f64x2.mul (f64x2.splat (f64.const -0.5)) (f64x2.mul (local.get $t) (local.get $t))) (f64x2.splat (f64.const -745.1332191019411))))))
    (local.set $w (f64x2.sub (f64x2.sub (local.get $x) (f64x2.splat (f64.const {{geluRoot.hi}}))) (f64x2.splat (f64.const {{geluRoot.lo}}))))
    (v128.bitselect
      (f64x2.mul (local.get $w) (f64x2.add (f64x2.splat (f64.const {{geluRoot.c1}})) (f64x2.mul (local.get $w) (f64x2.add (f64x2.splat (f64.const {{geluRoot.c2}})) (f64x2.mul (local.get $w) (f64x2.add (f64x2.splat (f64.const {{geluRoot.c3}})) (f64x2.mul (local.get $w) (f64x2.add (f64x2.splat (f64.const {{geluRoot.c4}})) (f64x2.mul (local.get $w) (f64x2.add (f64x2.splat (f64.const {{geluRoot.c5}})) (f64x2.mul (local.get $w) (f64x2.add (f64x2.splat (f64.const {{geluRoot.c6}})) (f64x2.mul (local.get $w) (f64x2.add (f64x2.splat (f64.const {{geluRoot.c7}})) (f64x2.mul (local.get $w) (f64x2.splat (f64.const {{geluRoot.c8}})))))))))))))))))
      (local.get $r)
      (f64x2.lt (f64x2.abs (local.get $w)) (f64x2.splat (f64.const 0x1p-6)))))

;; Float64 kernels: "$f64x2d_<name>" functions get a loop over float64
  ;; arrays, exported as "<name>64" (scripts/build-wasm.mjs). They compute
  ;; what the JavaScript reference in src/activations/smooth.ts computes,
  ;; operation for operation (the same double-double steps, Mills' ratio and
  ;; Taylor expansions), but for the exp: $exp64 instead of Math.exp, at
  ;; most 1 ulp apart. test/wasm.test.ts holds them to that reference (and
  ;; activations.test.ts to mpmath).

  ;; Dekker's TwoProduct error: a*b = p + err exactly, p = a*b (no fma in
  ;; WebAssembly), in the reference's order of operations.
  (func $productError (param $a v128) (param $b v128) (param $p v128) (result v128)
    (local $t v128) (local $ah v128) (local $al v128) (local $bh v128) (local $bl v128)
    (local.set $t (f64x2.mul (f64x2.splat (f64.const 134217729)) (local.get $a)))
    (local.set $ah (f64x2.sub (local.get $t) (f64x2.sub (local.get $t) (local.get $a))))
    (local.set $al (f64x2.sub (local.get $a) (local.get $ah)))
    (local.set $t (f64x2.mul (f64x2.splat (f64.const 134217729)) (local.get $b)))
    (local.set $bh (f64x2.sub (local.get $t) (f64x2.sub (local.get $t) (local.get $b))))
    (local.set $bl (f64x2.sub (local.get $b) (local.get $bh)))
    (f64x2.add (f64x2.add (f64x2.add (f64x2.sub (f64x2.mul (local.get $ah) (local.get $bh)) (local.get $p))
      (f64x2.mul (local.get $ah) (local.get $bl))) (f64x2.mul (local.get $al) (local.get $bh))) (f64x2.mul (local.get $al) (local.get $bl))))

  ;; gelu'(x) = Phi(x) + x phi(x) in float64, as geluExact: phi with x^2 in
  ;; double-double; g = phi(t)(M(t) - t), t = |x|, with Mills' ratio M the
  ;; rational P10/Q10 up to t = 16 and beyond it its asymptotic series
  ;; (1/t)(1 - z + 3z^2 - ... + 2027025z^8), z = 1/t^2 (next term below
  ;; 1e-13 relative, and M - t shrinks M's error by t^2 >= 256). g for
  ;; x < 0 (+0 where phi underflows, as the reference's cdf + x phi), 1 - g
  ;; for x >= 0; 1 above 40, +0 below -40; within 1/16 of the root the
  ;; Taylor expansion to degree 16.
  (func $f64x2d_gelu (param $x v128) (param $a f64) (param $b f64) (result v128)
    (local $t v128) (local $xx v128) (local $e v128) (local $pdf v128) (local $m v128) (local $z v128) (local $g v128) (local $r v128) (local $w v128) (local $mask v128)
    (local.set $t (f64x2.abs (local.get $x)))
    (local.set $xx (f64x2.mul (local.get $x) (local.get $x)))
    (local.set $e (call $exp64 (f64x2.mul (f64x2.splat (f64.const -0.5)) (local.get $xx))))
    (local.set $pdf (f64x2.mul
      (f64x2.add (local.get $e) (f64x2.mul (local.get $e) (f64x2.mul (f64x2.splat (f64.const -0.5)) (call $productError (local.get $x) (local.get $x) (local.get $xx)))))
      (f64x2.splat (f64.const 0.3989422804014327))))
    (local.set $m (f64x2.div (f64x2.add (f64x2.splat (f64.const {{mills.p0}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.p1}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.p2}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.p3}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.p4}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.p5}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.p6}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.p7}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.p8}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.p9}})) (f64x2.mul (local.get $t) (f64x2.splat (f64.const {{mills.p10}})))))))))))))))))))))) (f64x2.add (f64x2.splat (f64.const {{mills.q0}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.q1}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.q2}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.q3}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.q4}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.q5}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.q6}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.q7}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.q8}})) (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const {{mills.q9}})) (f64x2.mul (local.get $t) (f64x2.splat (f64.const {{mills.q10}}))))))))))))))))))))))))
    ;; Rare: only when a lane is beyond 16.
    (if (v128.any_true (local.tee $mask (f64x2.gt (local.get $t) (f64x2.splat (f64.const 16)))))
      (then
      (local.set $z (f64x2.div (f64x2.splat (f64.const 1)) (local.get $xx)))
      (local.set $m (v128.bitselect
        (f64x2.div
          (f64x2.add (f64x2.splat (f64.const 1)) (f64x2.mul (local.get $z) (f64x2.add (f64x2.splat (f64.const -1)) (f64x2.mul (local.get $z) (f64x2.add (f64x2.splat (f64.const 3)) (f64x2.mul (local.get $z) (f64x2.add (f64x2.splat (f64.const -15)) (f64x2.mul (local.get $z) (f64x2.add (f64x2.splat (f64.const 105)) (f64x2.mul (local.get $z) (f64x2.add (f64x2.splat (f64.const -945)) (f64x2.mul (local.get $z) (f64x2.add (f64x2.splat (f64.const 10395)) (f64x2.mul (local.get $z) (f64x2.add (f64x2.splat (f64.const -135135)) (f64x2.mul (local.get $z) (f64x2.splat (f64.const 2027025))))))))))))))))))
          (local.get $t))
        (local.get $m)
        (local.get $mask)))))
    (local.set $g (f64x2.mul (local.get $pdf) (f64x2.sub (local.get $m) (local.get $t))))
    (local.set $r (v128.bitselect
      (f64x2.add (local.get $g) (f64x2.splat (f64.const 0)))
      (f64x2.sub (f64x2.splat (f64.const 1)) (local.get $g))
      (f64x2.lt (local.get $x) (f64x2.splat (f64.const 0)))))
    (local.set $r (v128.bitselect (f64x2.splat (f64.const 1)) (local.get $r) (f64x2.gt (local.get $x) (f64x2.splat (f64.const 40)))))
    (local.set $r (v128.bitselect (f64x2.splat (f64.const 0)) (local.get $r) (f64x2.lt (local.get $x) (f64x2.splat (f64.const -40)))))
    ;; Below 2^-20 in magnitude, 1/2 + x sqrt(2/pi) as the reference: exactly 1/2 at +-0.
    (local.set $r (v128.bitselect
      (f64x2.add (f64x2.splat (f64.const 0.5)) (f64x2.mul (local.get $x) (f64x2.splat (f64.const 0.7978845608028654))))
      (local.get $r)
      (f64x2.lt (local.get $t) (f64x2.splat (f64.const 0x1p-20)))))
    ;; Within 1/16 of the root (rare in most data): the Taylor expansion.
    (if (v128.any_true (local.tee $mask (f64x2.lt (f64x2.abs (f64x2.sub (local.get $x) (f64x2.splat (f64.const {{geluRoot.hi}})))) (f64x2.splat (f64.const {{geluRoot.radius}})))))
      (then
        (local.set $w (f64x2.sub (f64x2.sub (local.get $x) (f64x2.splat (f64.const {{geluRoot.hi}}))) (f64x2.splat (f64.const {{geluRoot.lo}}))))
        (local.set $r (v128.bitselect {{taylor geluRoot $w}} (local.get $r) (local.get $mask)))))
    (local.get $r))

  (func $f64x2d_geluTanh (param $x v128) (param $a f64) (param $b f64) (result v128)
    (local $x2 v128) (local $x2lo v128) (local $x3 v128) (local $x3lo v128) (local $k3 v128) (local $k3lo v128)
    (local $s v128) (local $slo v128) (local $bb v128) (local $u v128) (local $ulo v128) (local $pos v128)
    (local $e v128) (local $d v128) (local $r v128) (local $w v128) (local $mask v128)
    (local.set $x2 (f64x2.mul (local.get $x) (local.get $x)))
    (local.set $x2lo (call $productError (local.get $x) (local.get $x) (local.get $x2)))
    (local.set $x3 (f64x2.mul (local.get $x2) (local.get $x)))
    (local.set $x3lo (f64x2.add (call $productError (local.get $x2) (local.get $x) (local.get $x3)) (f64x2.mul (local.get $x2lo) (local.get $x))))
    (local.set $k3 (f64x2.mul (f64x2.splat (f64.const 0.044715)) (local.get $x3)))
    (local.set $k3lo (f64x2.add (call $productError (f64x2.splat (f64.const 0.044715)) (local.get $x3) (local.get $k3)) (f64x2.mul (f64x2.splat (f64.const 0.044715)) (local.get $x3lo))))
    (local.set $s (f64x2.add (local.get $x) (local.get $k3)))
    ;; Knuth's TwoSum error of x + k3, then k3's low part.
    (local.set $bb (f64x2.sub (local.get $s) (local.get $x)))
    (local.set $slo (f64x2.add
      (f64x2.add (f64x2.sub (local.get $x) (f64x2.sub (local.get $s) (local.get $bb))) (f64x2.sub (local.get $k3) (local.get $bb)))
      (local.get $k3lo)))
    (local.set $u (f64x2.mul (f64x2.splat (f64.const 0.7978845608028654)) (local.get $s)))
    (local.set $ulo (f64x2.add (call $productError (f64x2.splat (f64.const 0.7978845608028654)) (local.get $s) (local.get $u)) (f64x2.mul (f64x2.splat (f64.const 0.7978845608028654)) (local.get $slo))))
    (local.set $pos (f64x2.ge (local.get $u) (f64x2.splat (f64.const 0))))
    (local.set $e (call $exp64 (f64x2.mul (f64x2.splat (f64.const -2)) (f64x2.abs (local.get $u)))))
    (local.set $e (f64x2.add (local.get $e) (f64x2.mul (local.get $e)
      (v128.bitselect
        (f64x2.mul (f64x2.splat (f64.const -2)) (local.get $ulo))
        (f64x2.mul (f64x2.splat (f64.const 2)) (local.get $ulo))
        (local.get $pos)))))
    (local.set $d (f64x2.add (f64x2.splat (f64.const 1)) (local.get $e)))
    (local.set $r (f64x2.add
      (v128.bitselect
        (f64x2.div (f64x2.splat (f64.const 1)) (local.get $d))
        (f64x2.div (local.get $e) (local.get $d))
        (local.get $pos))
      (f64x2.mul
        (f64x2.mul
          (f64x2.mul (f64x2.mul (f64x2.splat (f64.const 0.5)) (local.get $x)) (f64x2.div (f64x2.mul (f64x2.splat (f64.const 4)) (local.get $e)) (f64x2.mul (local.get $d) (local.get $d))))
          (f64x2.splat (f64.const 0.7978845608028654)))
        (f64x2.add (f64x2.splat (f64.const 1)) (f64x2.mul (f64x2.splat (f64.const 0.134145)) (local.get $x2))))))
    (local.set $r (v128.bitselect (f64x2.splat (f64.const 1)) (local.get $r) (f64x2.gt (local.get $x) (f64x2.splat (f64.const 30)))))
    (local.set $r (v128.bitselect (f64x2.splat (f64.const 0)) (local.get $r) (f64x2.lt (local.get $x) (f64x2.splat (f64.const -30)))))
    ;; Within 1/16 of the root (rare in most data): the Taylor expansion.
    (if (v128.any_true (local.tee $mask (f64x2.lt (f64x2.abs (f64x2.sub (local.get $x) (f64x2.splat (f64.const {{geluTanhRoot.hi}})))) (f64x2.splat (f64.const {{geluTanhRoot.radius}})))))
      (then
        (local.set $w (f64x2.sub (f64x2.sub (local.get $x) (f64x2.splat (f64.const {{geluTanhRoot.hi}}))) (f64x2.splat (f64.const {{geluTanhRoot.lo}}))))
        (local.set $r (v128.bitselect {{taylor geluTanhRoot $w}} (local.get $r) (local.get $mask)))))
    (local.get $r))


  ;; sigmoid'(x) = t/(1+t)^2, t = e^-|x|, as sigmoidPrime.
  (func $f64x2d_sigmoid (param $x v128) (param $a f64) (param $b f64) (result v128)
    (local $t v128) (local $d v128)
    (local.set $t (call $exp64 (f64x2.neg (f64x2.abs (local.get $x)))))
    (local.set $d (f64x2.add (f64x2.splat (f64.const 1)) (local.get $t)))
    (f64x2.div (local.get $t) (f64x2.mul (local.get $d) (local.get $d))))

  ;; tanh'(x) = sech^2 x = 4t/(1+t)^2, t = e^-2|x|, as sech2.
  (func $f64x2d_tanh (param $x v128) (param $a f64) (param $b f64) (result v128)
    (local $t v128) (local $d v128)
    (local.set $t (call $exp64 (f64x2.mul (f64x2.splat (f64.const -2)) (f64x2.abs (local.get $x)))))
    (local.set $d (f64x2.add (f64x2.splat (f64.const 1)) (local.get $t)))
    (f64x2.div (f64x2.mul (f64x2.splat (f64.const 4)) (local.get $t)) (f64x2.mul (local.get $d) (local.get $d))))

;; sigma(y + lo) as the references compute it: 1/(1 + t) for y >= 0,
  ;; t/(1 + t) below, t = e^-|y| (their e^-y and e^y) times 1 -+ lo.
  (func $sigmoid64 (param $y v128) (param $lo v128) (result v128)
    (local $t v128) (local $d v128) (local $pos v128)
    (local.set $pos (f64x2.ge (local.get $y) (f64x2.splat (f64.const 0))))
    (local.set $t (call $exp64 (f64x2.neg (f64x2.abs (local.get $y)))))
    (local.set $t (f64x2.add (local.get $t) (f64x2.mul (local.get $t) (v128.bitselect (f64x2.neg (local.get $lo)) (local.get $lo) (local.get $pos)))))
    (local.set $d (f64x2.add (f64x2.splat (f64.const 1)) (local.get $t)))
    (v128.bitselect
      (f64x2.div (f64x2.splat (f64.const 1)) (local.get $d))
      (f64x2.div (local.get $t) (local.get $d))
      (local.get $pos)))

  ;; logsigmoid'(x) = sigma(-x).
  (func $f64x2d_logsigmoid (param $x v128) (param $a f64) (param $b f64) (result v128)
    (call $sigmoid64 (f64x2.neg (local.get $x)) (f64x2.splat (f64.const 0))))

  ;; softplus'(x) = 1 where beta x > threshold, else sigma(beta x), the
  ;; product's rounding error carried as the reference does (0 where
  ;; |beta x| >= 800 or Dekker's split overflows); a = beta, b = threshold.
  (func $f64x2d_softplus (param $x v128) (param $a f64) (param $b f64) (result v128)
    (local $y v128) (local $lo v128)
    (local.set $y (f64x2.mul (local.get $x) (f64x2.splat (local.get $a))))
    (local.set $lo (call $productError (local.get $x) (f64x2.splat (local.get $a)) (local.get $y)))
    (local.set $lo (v128.and (local.get $lo)
      (v128.and (f64x2.lt (f64x2.abs (local.get $y)) (f64x2.splat (f64.const 800))) (f64x2.eq (local.get $lo) (local.get $lo)))))
    (v128.bitselect
      (f64x2.splat (f64.const 1))
      (call $sigmoid64 (local.get $y) (local.get $lo))
      (f64x2.gt (local.get $y) (f64x2.splat (local.get $b)))))

  ;; silu'(x) = sigma(x) + x sigma'(x), as siluPrime: one t = e^-|x| for
  ;; both (the reference's two Math.exp calls take the same argument); 1 at
  ;; +inf, 0 at -inf; within 1/16 of the root the Taylor expansion.
  (func $f64x2d_silu (param $x v128) (param $a f64) (param $b f64) (result v128)
    (local $t v128) (local $d v128) (local $r v128) (local $w v128) (local $mask v128)
    (local.set $t (call $exp64 (f64x2.neg (f64x2.abs (local.get $x)))))
    (local.set $d (f64x2.add (f64x2.splat (f64.const 1)) (local.get $t)))
    (local.set $r (f64x2.add
      (v128.bitselect
        (f64x2.div (f64x2.splat (f64.const 1)) (local.get $d))
        (f64x2.div (local.get $t) (local.get $d))
        (f64x2.ge (local.get $x) (f64x2.splat (f64.const 0))))
      (f64x2.mul (local.get $x) (f64x2.div (local.get $t) (f64x2.mul (local.get $d) (local.get $d))))))
    (local.set $r (v128.bitselect (f64x2.splat (f64.const 1)) (local.get $r) (f64x2.eq (local.get $x) (f64x2.splat (f64.const inf)))))
    (local.set $r (v128.bitselect (f64x2.splat (f64.const 0)) (local.get $r) (f64x2.eq (local.get $x) (f64x2.splat (f64.const -inf)))))
    (if (v128.any_true (local.tee $mask (f64x2.lt (f64x2.abs (f64x2.sub (local.get $x) (f64x2.splat (f64.const {{siluRoot.hi}})))) (f64x2.splat (f64.const {{siluRoot.radius}})))))
      (then
        (local.set $w (f64x2.sub (f64x2.sub (local.get $x) (f64x2.splat (f64.const {{siluRoot.hi}}))) (f64x2.splat (f64.const {{siluRoot.lo}}))))
        (local.set $r (v128.bitselect {{taylor siluRoot $w}} (local.get $r) (local.get $mask)))))
    (local.get $r))

  ;; mish'(x) as mishPrime, in e = e^-|x|: for x <= 0 (u = e), w = u(u + 2),
  ;; d = w + 2, w/d + 4xu(1 + u)/d^2; for x > 0 (v = e),
  ;; d = 1 + 2v + 2v^2, (1 + 2v)/d + 4xv^2(1 + v)/d^2; 1 above 50, 0 below
  ;; -800; within 1/16 of the root the Taylor expansion.
  (func $f64x2d_mish (param $x v128) (param $a f64) (param $b f64) (result v128)
    (local $e v128) (local $w v128) (local $d v128) (local $neg v128) (local $r v128) (local $mask v128)
    (local.set $e (call $exp64 (f64x2.neg (f64x2.abs (local.get $x)))))
    (local.set $w (f64x2.mul (local.get $e) (f64x2.add (local.get $e) (f64x2.splat (f64.const 2)))))
    (local.set $d (f64x2.add (local.get $w) (f64x2.splat (f64.const 2))))
    (local.set $neg (f64x2.add
      (f64x2.div (local.get $w) (local.get $d))
      (f64x2.div
        (f64x2.mul (f64x2.mul (f64x2.mul (f64x2.splat (f64.const 4)) (local.get $x)) (local.get $e)) (f64x2.add (f64x2.splat (f64.const 1)) (local.get $e)))
        (f64x2.mul (local.get $d) (local.get $d)))))
    (local.set $d (f64x2.add
      (f64x2.add (f64x2.splat (f64.const 1)) (f64x2.mul (f64x2.splat (f64.const 2)) (local.get $e)))
      (f64x2.mul (f64x2.mul (f64x2.splat (f64.const 2)) (local.get $e)) (local.get $e))))
    (local.set $r (v128.bitselect
      (local.get $neg)
      (f64x2.add
        (f64x2.div (f64x2.add (f64x2.splat (f64.const 1)) (f64x2.mul (f64x2.splat (f64.const 2)) (local.get $e))) (local.get $d))
        (f64x2.div
          (f64x2.mul (f64x2.mul (f64x2.mul (f64x2.mul (f64x2.splat (f64.const 4)) (local.get $x)) (local.get $e)) (local.get $e)) (f64x2.add (f64x2.splat (f64.const 1)) (local.get $e)))
          (f64x2.mul (local.get $d) (local.get $d))))
      (f64x2.le (local.get $x) (f64x2.splat (f64.const 0)))))
    (local.set $r (v128.bitselect (f64x2.splat (f64.const 1)) (local.get $r) (f64x2.gt (local.get $x) (f64x2.splat (f64.const 50)))))
    (local.set $r (v128.bitselect (f64x2.splat (f64.const 0)) (local.get $r) (f64x2.lt (local.get $x) (f64x2.splat (f64.const -800)))))
    (if (v128.any_true (local.tee $mask (f64x2.lt (f64x2.abs (f64x2.sub (local.get $x) (f64x2.splat (f64.const {{mishRoot.hi}})))) (f64x2.splat (f64.const {{mishRoot.radius}})))))
      (then
        (local.set $w (f64x2.sub (f64x2.sub (local.get $x) (f64x2.splat (f64.const {{mishRoot.hi}}))) (f64x2.splat (f64.const {{mishRoot.lo}}))))
        (local.set $r (v128.bitselect {{taylor mishRoot $w}} (local.get $r) (local.get $mask)))))
    (local.get $r))


  ;; elu and selu as their references: b for x > 0, a e^x for x <= 0, NaN
  ;; for NaN. elu: a = alpha, b = 1; selu: a = scale alpha, b = scale.
  (func $f64x2d_elu (param $x v128) (param $a f64) (param $b f64) (result v128)
    (v128.bitselect
      (f64x2.splat (local.get $b))
      (f64x2.mul (f64x2.splat (local.get $a)) (call $exp64 (local.get $x)))
      (f64x2.gt (local.get $x) (f64x2.splat (f64.const 0)))))

  ;; celu as its reference, for a = alpha > 0: 1 for x > 0, else e^(q + lo)
  ;; with q = x/alpha and lo its rounding error (x - q alpha)/alpha carried,
  ;; as e^q (1 + lo); for |q| >= 800, e^q alone (0 there).
  (func $f64x2d_celu (param $x v128) (param $a f64) (param $b f64) (result v128)
    (local $q v128) (local $qa v128) (local $al v128) (local $e v128)
    (local.set $al (f64x2.splat (local.get $a)))
    (local.set $q (f64x2.div (local.get $x) (local.get $al)))
    (local.set $qa (f64x2.mul (local.get $q) (local.get $al)))
    (local.set $e (call $exp64 (local.get $q)))
    (local.set $e (v128.bitselect
      (f64x2.add (local.get $e) (f64x2.mul (local.get $e)
        (f64x2.div (f64x2.sub (f64x2.sub (local.get $x) (local.get $qa)) (call $productError (local.get $q) (local.get $al) (local.get $qa))) (local.get $al))))
      (local.get $e)
      (f64x2.lt (f64x2.abs (local.get $q)) (f64x2.splat (f64.const 800)))))
    (v128.bitselect
      (f64x2.splat (f64.const 1))
      (local.get $e)
      (f64x2.gt (local.get $x) (f64x2.splat (f64.const 0)))))


  ;; e^y - 1 for y <= 0, without cancellation for small |y|: with y = k ln2
  ;; + r as in $exp64 and s = r + r^2 q(r) (e^r - 1), (2^k - 1) + 2^k s;
  ;; for |y| <= ln2/2, k = 0 and it is s itself. y is clamped at -40, where
  ;; e^y - 1 rounds to -1.
  (func $expm1 (param $y v128) (result v128)
    (local $kk v128) (local $k v128) (local $r v128) (local $r2 v128) (local $r4 v128) (local $s v128) (local $scale v128)
    (local.set $y (f64x2.pmax (local.get $y) (f64x2.splat (f64.const -40))))
    (local.set $kk (f64x2.add (f64x2.mul (local.get $y) (f64x2.splat (f64.const 1.4426950408889634))) (f64x2.splat (f64.const 6755399441055744))))
    (local.set $k (f64x2.sub (local.get $kk) (f64x2.splat (f64.const 6755399441055744))))
    (local.set $r (f64x2.sub
      (f64x2.sub (local.get $y) (f64x2.mul (local.get $k) (f64x2.splat (f64.const 6.93147180369123816490e-01))))
      (f64x2.mul (local.get $k) (f64x2.splat (f64.const 1.90821492927058770002e-10)))))
    (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
    (local.set $r4 (f64x2.mul (local.get $r2) (local.get $r2)))
    (local.set $s (f64x2.add (local.get $r) (f64x2.mul (local.get $r2) (call $expq (local.get $r) (local.get $r2) (local.get $r4)))))
    (local.set $scale (i64x2.add (i64x2.shl (local.get $kk) (i32.const 52)) (i64x2.splat (i64.const 0x3ff0000000000000))))
    (f64x2.add (f64x2.sub (local.get $scale) (f64x2.splat (f64.const 1))) (f64x2.mul (local.get $scale) (local.get $s))))

  ;; e^y - 1 and e^y (in that order) for y <= 0, from one reduction: the
  ;; same two doubles as $expm1 and $exp64 give, for the f'' kernels that need
  ;; both of one argument (sigmoid'', silu'', tanh''), at the cost of one.
  ;; y is clamped at -746 as $exp64 clamps it; $expm1 clamps at -40 instead,
  ;; where its value has rounded to -1: below -40 that is taken here (for
  ;; y in [-40, 0] the reductions are the same operations on the same y).
  (func $expm1exp (param $y v128) (result v128 v128)
    (local $kk v128) (local $k v128) (local $r v128) (local $r2 v128) (local $r4 v128) (local $s v128) (local $k1 v128) (local $k2 v128)
    (local.set $y (f64x2.pmax (local.get $y) (f64x2.splat (f64.const -746))))
    (local.set $kk (f64x2.add (f64x2.mul (local.get $y) (f64x2.splat (f64.const 1.4426950408889634))) (f64x2.splat (f64.const 6755399441055744))))
    (local.set $k (f64x2.sub (local.get $kk) (f64x2.splat (f64.const 6755399441055744))))
    (local.set $r (f64x2.sub
      (f64x2.sub (local.get $y) (f64x2.mul (local.get $k) (f64x2.splat (f64.const 6.93147180369123816490e-01))))
      (f64x2.mul (local.get $k) (f64x2.splat (f64.const 1.90821492927058770002e-10)))))
    (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
    (local.set $r4 (f64x2.mul (local.get $r2) (local.get $r2)))
    (local.set $s (f64x2.add (local.get $r) (f64x2.mul (local.get $r2) (call $expq (local.get $r) (local.get $r2) (local.get $r4)))))
    ;; e^y - 1 as $expm1: (2^k - 1) + 2^k s, 2^k in the exponent bits (k >= -58 where it is taken).
    (v128.bitselect
      (f64x2.splat (f64.const -1))
      (f64x2.add
        (f64x2.sub (i64x2.add (i64x2.shl (local.get $kk) (i32.const 52)) (i64x2.splat (i64.const 0x3ff0000000000000))) (f64x2.splat (f64.const 1)))
        (f64x2.mul (i64x2.add (i64x2.shl (local.get $kk) (i32.const 52)) (i64x2.splat (i64.const 0x3ff0000000000000))) (local.get $s)))
      (f64x2.lt (local.get $y) (f64x2.splat (f64.const -40))))
    ;; e^y as $exp64: (1 + s) 2^k1 2^(k - k1), each factor a normal number.
    (local.set $k1 (f64x2.add (f64x2.mul (local.get $k) (f64x2.splat (f64.const 0.5))) (f64x2.splat (f64.const 6755399441055744))))
    (local.set $k2 (f64x2.add (f64x2.sub (local.get $k) (f64x2.sub (local.get $k1) (f64x2.splat (f64.const 6755399441055744)))) (f64x2.splat (f64.const 6755399441055744))))
    (f64x2.mul
      (f64x2.mul
        (f64x2.add (f64x2.splat (f64.const 1)) (local.get $s))
        (i64x2.add (i64x2.shl (local.get $k1) (i32.const 52)) (i64x2.splat (i64.const 0x3ff0000000000000))))
      (i64x2.add (i64x2.shl (local.get $k2) (i32.const 52)) (i64x2.splat (i64.const 0x3ff0000000000000)))))

  ;; relu'(x) = np.heaviside(x, a): 1 above 0 (and +inf), 0 below (and
  ;; -inf), a at +-0, the canonical NaN for NaN (as relu.ts's loop, which is
  ;; its reference). Three compares and selects, no branch: the JavaScript
  ;; loop spends 3-5 ns an element on the comparison's boolean alone.
  (func $f64x2d_relu (param $x v128) (param $a f64) (param $b f64) (result v128)
    (v128.bitselect
      (f64x2.splat (local.get $a))
      (v128.bitselect
        (f64x2.splat (f64.const nan))
        (v128.and (f64x2.gt (local.get $x) (f64x2.splat (f64.const 0))) (f64x2.splat (f64.const 1)))
        (f64x2.ne (local.get $x) (local.get $x)))
      (f64x2.eq (local.get $x) (f64x2.splat (f64.const 0)))))

  ;; tanhshrink'(x) = tanh^2 x, tanh|x| = -m/(m + 2), m = e^-2|x| - 1 (as
  ;; fdlibm's tanh, which Math.tanh is): no cancellation near 0, 1 for large
  ;; |x| and at +-inf, NaN for NaN. Not step for step with the reference
  ;; (Math.tanh): within a few ulps of it. Below |x| = 2^-27, tanh x is |x|
  ;; itself (x^3/3 is below half an ulp; fdlibm returns x there too): the
  ;; quotient's ulp of error there squared to x^2 +- 1 ulp, which for float32
  ;; x (x^2 exact in 48 bits) could land across a float32 tie and round the
  ;; other way from the exact value (npm run verify:f32).
  (func $f64x2d_tanhshrink (param $x v128) (param $a f64) (param $b f64) (result v128)
    (local $ax v128) (local $m v128) (local $t v128)
    (local.set $ax (f64x2.abs (local.get $x)))
    (local.set $m (call $expm1 (f64x2.mul (f64x2.splat (f64.const -2)) (local.get $ax))))
    (local.set $t (v128.bitselect
      (local.get $ax)
      (f64x2.div (f64x2.neg (local.get $m)) (f64x2.add (local.get $m) (f64x2.splat (f64.const 2))))
      (f64x2.lt (local.get $ax) (f64x2.splat (f64.const 7.450580596923828e-9)))))
    (f64x2.mul (local.get $t) (local.get $t)))

  ;; Second derivatives (--order 2), float64: "$f64x2d_<name>2", as the
  ;; JavaScript f'' of src/activations/second.ts (the reference they are held
  ;; to, test/second.test.ts) but for $exp64 and $expm1 in place of Math.exp
  ;; and Math.expm1. elu'' and selu'' are $f64x2d_elu with b = 0.

  ;; sigmoid''(x) = sign(x) t expm1(-|x|)/(1 + t)^3, t = e^-|x|; +0 at +-0.
  (func $f64x2d_sigmoid2 (param $x v128) (param $a f64) (param $b f64) (result v128)
    (local $ax v128) (local $t v128) (local $d v128) (local $v v128) (local $m v128)
    (local.set $ax (f64x2.abs (local.get $x)))
    (call $expm1exp (f64x2.neg (local.get $ax)))
    (local.set $t)
    (local.set $m)
    (local.set $d (f64x2.add (f64x2.splat (f64.const 1)) (local.get $t)))
    (local.set $v (f64x2.div
      (f64x2.mul (local.get $t) (local.get $m))
      (f64x2.mul (f64x2.mul (local.get $d) (local.get $d)) (local.get $d))))
    (v128.bitselect
      (f64x2.splat (f64.const 0))
      (v128.bitselect (f64x2.neg (local.get $v)) (local.get $v) (f64x2.lt (local.get $x) (f64x2.splat (f64.const 0))))
      (f64x2.eq (local.get $x) (f64x2.splat (f64.const 0)))))

  ;; logsigmoid''(x) = -sigmoid'(x).
  (func $f64x2d_logsigmoid2 (param $x v128) (param $a f64) (param $b f64) (result v128)
    (f64x2.neg (call $f64x2d_sigmoid (local.get $x) (local.get $a) (local.get $b))))

  ;; gelu''(x) = phi(x)(2 - x^2): x^2 in double-double in phi; 2 - x^2 with
  ;; x^2's low part below |x| = 1, (sqrt2 - |x| + lo)(sqrt2 + |x|) above; +0 beyond 40.
  (func $f64x2d_gelu2 (param $x v128) (param $a f64) (param $b f64) (result v128)
    (local $t v128) (local $xx v128) (local $xlo v128) (local $e v128) (local $pdf v128) (local $c v128)
    (local.set $t (f64x2.abs (local.get $x)))
    (local.set $xx (f64x2.mul (local.get $x) (local.get $x)))
    (local.set $xlo (call $productError (local.get $x) (local.get $x) (local.get $xx)))
    (local.set $e (call $exp64 (f64x2.mul (f64x2.splat (f64.const -0.5)) (local.get $xx))))
    (local.set $pdf (f64x2.mul
      (f64x2.add (local.get $e) (f64x2.mul (local.get $e) (f64x2.mul (f64x2.splat (f64.const -0.5)) (local.get $xlo))))
      (f64x2.splat (f64.const 0.3989422804014327))))
    (local.set $c (v128.bitselect
      (f64x2.sub (f64x2.sub (f64x2.splat (f64.const 2)) (local.get $xx)) (local.get $xlo))
      (f64x2.mul
        (f64x2.add (f64x2.sub (f64x2.splat (f64.const 1.4142135623730951)) (local.get $t)) (f64x2.splat (f64.const -9.667293313452913e-17)))
        (f64x2.add (f64x2.splat (f64.const 1.4142135623730951)) (local.get $t)))
      (f64x2.lt (local.get $t) (f64x2.splat (f64.const 1)))))
    (v128.bitselect
      (f64x2.splat (f64.const 0))
      (f64x2.mul (local.get $pdf) (local.get $c))
      (f64x2.gt (local.get $t) (f64x2.splat (f64.const 40)))))

  ;; softplus''(x) = beta sigma'(beta x + lo) below the threshold, 0 from it
  ;; on; lo as in $f64x2d_softplus. a = beta, b = threshold.
  (func $f64x2d_softplus2 (param $x v128) (param $a f64) (param $b f64) (result v128)
    (local $y v128) (local $lo v128) (local $t v128) (local $d v128)
    (local.set $y (f64x2.mul (local.get $x) (f64x2.splat (local.get $a))))
    (local.set $lo (call $productError (local.get $x) (f64x2.splat (local.get $a)) (local.get $y)))
    (local.set $lo (v128.and (local.get $lo)
      (v128.and (f64x2.lt (f64x2.abs (local.get $y)) (f64x2.splat (f64.const 800))) (f64x2.eq (local.get $lo) (local.get $lo)))))
    (local.set $t (call $exp64 (f64x2.neg (f64x2.abs (local.get $y)))))
    (local.set $t (f64x2.add (local.get $t) (f64x2.mul (local.get $t)
      (v128.bitselect (f64x2.neg (local.get $lo)) (local.get $lo) (f64x2.ge (local.get $y) (f64x2.splat (f64.const 0)))))))
    (local.set $d (f64x2.add (f64x2.splat (f64.const 1)) (local.get $t)))
    (v128.bitselect
      (f64x2.splat (f64.const 0))
      (f64x2.div (f64x2.mul (f64x2.splat (local.get $a)) (local.get $t)) (f64x2.mul (local.get $d) (local.get $d)))
      (f64x2.ge (local.get $y) (f64x2.splat (local.get $b)))))

  ;; silu''(x) = sigma'(x)(2 - |x| tanh(|x|/2)), tanh(|x|/2) = -m/(m + 2),
  ;; m = expm1(-|x|); +0 beyond 800; within 1/16 of the zeros at +-2.3994
  ;; the Taylor expansions (roots2.generated.ts).
  (func $f64x2d_silu2 (param $x v128) (param $a f64) (param $b f64) (result v128)
    (local $ax v128) (local $t v128) (local $d v128) (local $m v128) (local $r v128) (local $w v128) (local $mask v128)
    (local.set $ax (f64x2.abs (local.get $x)))
    (call $expm1exp (f64x2.neg (local.get $ax)))
    (local.set $t)
    (local.set $m)
    (local.set $d (f64x2.add (f64x2.splat (f64.const 1)) (local.get $t)))
    (local.set $r (f64x2.mul
      (f64x2.div (local.get $t) (f64x2.mul (local.get $d) (local.get $d)))
      (f64x2.sub (f64x2.splat (f64.const 2))
        (f64x2.mul (local.get $ax) (f64x2.div (f64x2.neg (local.get $m)) (f64x2.add (local.get $m) (f64x2.splat (f64.const 2))))))))
    (local.set $r (v128.bitselect (f64x2.splat (f64.const 0)) (local.get $r) (f64x2.gt (local.get $ax) (f64x2.splat (f64.const 800)))))
    (if (v128.any_true (local.tee $mask (f64x2.lt (f64x2.abs (f64x2.sub (local.get $x) (f64x2.splat (f64.const {{silu2NegRoot.hi}})))) (f64x2.splat (f64.const {{silu2NegRoot.radius}})))))
      (then
        (local.set $w (f64x2.sub (f64x2.sub (local.get $x) (f64x2.splat (f64.const {{silu2NegRoot.hi}}))) (f64x2.splat (f64.const {{silu2NegRoot.lo}}))))
        (local.set $r (v128.bitselect {{taylor silu2NegRoot $w}} (local.get $r) (local.get $mask)))))
    (if (v128.any_true (local.tee $mask (f64x2.lt (f64x2.abs (f64x2.sub (local.get $x) (f64x2.splat (f64.const {{silu2PosRoot.hi}})))) (f64x2.splat (f64.const {{silu2PosRoot.radius}})))))
      (then
        (local.set $w (f64x2.sub (f64x2.sub (local.get $x) (f64x2.splat (f64.const {{silu2PosRoot.hi}}))) (f64x2.splat (f64.const {{silu2PosRoot.lo}}))))
        (local.set $r (v128.bitselect {{taylor silu2PosRoot $w}} (local.get $r) (local.get $mask)))))
    (local.get $r))

  ;; tanh''(x) = -2 tanh(x) sech^2(x), tanh|x| = -m/(m + 2), m = expm1(-2|x|),
  ;; sech^2 x = 4t/(1 + t)^2, t = e^-2|x|; a = the sign of the result (-2 for
  ;; tanh, 2 for tanhshrink: tanhshrink'' = -tanh'').
  (func $f64x2d_tanh2 (param $x v128) (param $a f64) (param $b f64) (result v128)
    (local $ax v128) (local $m v128) (local $t v128) (local $d v128) (local $v v128)
    (local.set $ax (f64x2.abs (local.get $x)))
    (call $expm1exp (f64x2.mul (f64x2.splat (f64.const -2)) (local.get $ax)))
    (local.set $t)
    (local.set $m)
    (local.set $d (f64x2.add (f64x2.splat (f64.const 1)) (local.get $t)))
    (local.set $v (f64x2.mul
      (f64x2.mul (f64x2.splat (local.get $a)) (f64x2.div (f64x2.neg (local.get $m)) (f64x2.add (local.get $m) (f64x2.splat (f64.const 2)))))
      (f64x2.div (f64x2.mul (f64x2.splat (f64.const 4)) (local.get $t)) (f64x2.mul (local.get $d) (local.get $d)))))
    ;; at +-0, a x: the signed zero of s tanh(x) (PyTorch's too)
    (v128.bitselect
      (f64x2.mul (f64x2.splat (local.get $a)) (local.get $x))
      (v128.bitselect (f64x2.neg (local.get $v)) (local.get $v) (f64x2.lt (local.get $x) (f64x2.splat (f64.const 0))))
      (f64x2.eq (local.get $x) (f64x2.splat (f64.const 0)))))

  ;; celu''(x) = 0 for x > 0, e^(x/a)/a below, e^(x/a) as $f64x2d_celu; a = alpha > 0.
  (func $f64x2d_celu2 (param $x v128) (param $a f64) (param $b f64) (result v128)
    (v128.bitselect
      (f64x2.splat (f64.const 0))
      (f64x2.div (call $f64x2d_celu (local.get $x) (local.get $a) (local.get $b)) (f64x2.splat (local.get $a)))
      (f64x2.gt (local.get $x) (f64x2.splat (f64.const 0)))))

  ;; mish''(x) as mish2 (second.ts), in e = e^-|x|: for x <= 0 (u = e),
  ;; w = u(u + 2), D = w + 2, 4u(1 + u)/D^2 (2 + x/(1 + u) - 2xuw/((1 + u)D));
  ;; for x > 0 (v = e), d = 1 + 2v + 2v^2,
  ;; 4v^2(1 + v)/d^2 (2 + xv/(1 + v) - 2x(1 + 2v)/((1 + v)d)); +0 beyond 800;
  ;; within 1/16 of the zeros at -2.2564 and 1.4906 the Taylor expansions.
  (func $f64x2d_mish2 (param $x v128) (param $a f64) (param $b f64) (result v128)
    (local $e v128) (local $e1 v128) (local $w v128) (local $d v128) (local $neg v128) (local $pos v128) (local $r v128) (local $mask v128)
    (local.set $e (call $exp64 (f64x2.neg (f64x2.abs (local.get $x)))))
    (local.set $e1 (f64x2.add (f64x2.splat (f64.const 1)) (local.get $e)))
    (local.set $w (f64x2.mul (local.get $e) (f64x2.add (local.get $e) (f64x2.splat (f64.const 2)))))
    (local.set $d (f64x2.add (local.get $w) (f64x2.splat (f64.const 2))))
    (local.set $neg (f64x2.mul
      (f64x2.div (f64x2.mul (f64x2.mul (f64x2.splat (f64.const 4)) (local.get $e)) (local.get $e1)) (f64x2.mul (local.get $d) (local.get $d)))
      (f64x2.sub
        (f64x2.add (f64x2.splat (f64.const 2)) (f64x2.div (local.get $x) (local.get $e1)))
        (f64x2.div (f64x2.mul (f64x2.mul (f64x2.mul (f64x2.splat (f64.const 2)) (local.get $x)) (local.get $e)) (local.get $w)) (f64x2.mul (local.get $e1) (local.get $d))))))
    (local.set $d (f64x2.add
      (f64x2.add (f64x2.splat (f64.const 1)) (f64x2.mul (f64x2.splat (f64.const 2)) (local.get $e)))
      (f64x2.mul (f64x2.mul (f64x2.splat (f64.const 2)) (local.get $e)) (local.get $e))))
    (local.set $pos (f64x2.mul
      (f64x2.div (f64x2.mul (f64x2.mul (f64x2.mul (f64x2.splat (f64.const 4)) (local.get $e)) (local.get $e)) (local.get $e1)) (f64x2.mul (local.get $d) (local.get $d)))
      (f64x2.sub
        (f64x2.add (f64x2.splat (f64.const 2)) (f64x2.div (f64x2.mul (local.get $x) (local.get $e)) (local.get $e1)))
        (f64x2.div
          (f64x2.mul (f64x2.mul (f64x2.splat (f64.const 2)) (local.get $x)) (f64x2.add (f64x2.splat (f64.const 1)) (f64x2.mul (f64x2.splat (f64.const 2)) (local.get $e))))
          (f64x2.mul (local.get $e1) (local.get $d))))))
    (local.set $r (v128.bitselect (local.get $neg) (local.get $pos) (f64x2.le (local.get $x) (f64x2.splat (f64.const 0)))))
    (local.set $r (v128.bitselect (f64x2.splat (f64.const 0)) (local.get $r) (f64x2.gt (f64x2.abs (local.get $x)) (f64x2.splat (f64.const 800)))))
    (if (v128.any_true (local.tee $mask (f64x2.lt (f64x2.abs (f64x2.sub (local.get $x) (f64x2.splat (f64.const {{mish2NegRoot.hi}})))) (f64x2.splat (f64.const {{mish2NegRoot.radius}})))))
      (then
        (local.set $w (f64x2.sub (f64x2.sub (local.get $x) (f64x2.splat (f64.const {{mish2NegRoot.hi}}))) (f64x2.splat (f64.const {{mish2NegRoot.lo}}))))
        (local.set $r (v128.bitselect {{taylor mish2NegRoot $w}} (local.get $r) (local.get $mask)))))
    (if (v128.any_true (local.tee $mask (f64x2.lt (f64x2.abs (f64x2.sub (local.get $x) (f64x2.splat (f64.const {{mish2PosRoot.hi}})))) (f64x2.splat (f64.const {{mish2PosRoot.radius}})))))
      (then
        (local.set $w (f64x2.sub (f64x2.sub (local.get $x) (f64x2.splat (f64.const {{mish2PosRoot.hi}}))) (f64x2.splat (f64.const {{mish2PosRoot.lo}}))))
        (local.set $r (v128.bitselect {{taylor mish2PosRoot $w}} (local.get $r) (local.get $mask)))))
    (local.get $r))

  ;; PyTorch's tanh-gelu'' = sech^2(u) beta (1 + 6 kappa x^2 - beta x tanh(u)
  ;; (1 + 3 kappa x^2)^2), u = beta(x + kappa x^3) in double-double as in
  ;; $f64x2d_geluTanh (E = e^-2|u| carries u's low part); tanh u = sign(u)
  ;; (-m/(m + 2)), m = expm1(-2|u|); +0 beyond |x| = 30; within 1/16 of the
  ;; zeros at +-1.4185 the Taylor expansions.
  (func $f64x2d_geluTanh2 (param $x v128) (param $a f64) (param $b f64) (result v128)
    (local $x2 v128) (local $x2lo v128) (local $x3 v128) (local $x3lo v128) (local $k3 v128) (local $k3lo v128)
    (local $s v128) (local $slo v128) (local $bb v128) (local $u v128) (local $ulo v128) (local $pos v128)
    (local $e v128) (local $d v128) (local $m v128) (local $th v128) (local $q v128) (local $r v128) (local $w v128) (local $mask v128)
    (local.set $x2 (f64x2.mul (local.get $x) (local.get $x)))
    (local.set $x2lo (call $productError (local.get $x) (local.get $x) (local.get $x2)))
    (local.set $x3 (f64x2.mul (local.get $x2) (local.get $x)))
    (local.set $x3lo (f64x2.add (call $productError (local.get $x2) (local.get $x) (local.get $x3)) (f64x2.mul (local.get $x2lo) (local.get $x))))
    (local.set $k3 (f64x2.mul (f64x2.splat (f64.const 0.044715)) (local.get $x3)))
    (local.set $k3lo (f64x2.add (call $productError (f64x2.splat (f64.const 0.044715)) (local.get $x3) (local.get $k3)) (f64x2.mul (f64x2.splat (f64.const 0.044715)) (local.get $x3lo))))
    (local.set $s (f64x2.add (local.get $x) (local.get $k3)))
    (local.set $bb (f64x2.sub (local.get $s) (local.get $x)))
    (local.set $slo (f64x2.add
      (f64x2.add (f64x2.sub (local.get $x) (f64x2.sub (local.get $s) (local.get $bb))) (f64x2.sub (local.get $k3) (local.get $bb)))
      (local.get $k3lo)))
    (local.set $u (f64x2.mul (f64x2.splat (f64.const 0.7978845608028654)) (local.get $s)))
    (local.set $ulo (f64x2.add (call $productError (f64x2.splat (f64.const 0.7978845608028654)) (local.get $s) (local.get $u)) (f64x2.mul (f64x2.splat (f64.const 0.7978845608028654)) (local.get $slo))))
    (local.set $pos (f64x2.ge (local.get $u) (f64x2.splat (f64.const 0))))
    (local.set $e (call $exp64 (f64x2.mul (f64x2.splat (f64.const -2)) (f64x2.abs (local.get $u)))))
    (local.set $e (f64x2.add (local.get $e) (f64x2.mul (local.get $e)
      (v128.bitselect
        (f64x2.mul (f64x2.splat (f64.const -2)) (local.get $ulo))
        (f64x2.mul (f64x2.splat (f64.const 2)) (local.get $ulo))
        (local.get $pos)))))
    (local.set $d (f64x2.add (f64x2.splat (f64.const 1)) (local.get $e)))
    (local.set $m (call $expm1 (f64x2.mul (f64x2.splat (f64.const -2)) (f64x2.abs (local.get $u)))))
    (local.set $th (f64x2.div (f64x2.neg (local.get $m)) (f64x2.add (local.get $m) (f64x2.splat (f64.const 2)))))
    (local.set $th (v128.bitselect (local.get $th) (f64x2.neg (local.get $th)) (local.get $pos)))
    (local.set $q (f64x2.add (f64x2.splat (f64.const 1)) (f64x2.mul (f64x2.splat (f64.const 0.134145)) (local.get $x2))))
    (local.set $r (f64x2.mul
      (f64x2.mul (f64x2.div (f64x2.mul (f64x2.splat (f64.const 4)) (local.get $e)) (f64x2.mul (local.get $d) (local.get $d))) (f64x2.splat (f64.const 0.7978845608028654)))
      (f64x2.sub
        (f64x2.add (f64x2.splat (f64.const 1)) (f64x2.mul (f64x2.splat (f64.const 0.26829)) (local.get $x2)))
        (f64x2.mul (f64x2.mul (f64x2.mul (f64x2.mul (f64x2.splat (f64.const 0.7978845608028654)) (local.get $x)) (local.get $th)) (local.get $q)) (local.get $q)))))
    (local.set $r (v128.bitselect (f64x2.splat (f64.const 0)) (local.get $r) (f64x2.gt (f64x2.abs (local.get $x)) (f64x2.splat (f64.const 30)))))
    (if (v128.any_true (local.tee $mask (f64x2.lt (f64x2.abs (f64x2.sub (local.get $x) (f64x2.splat (f64.const {{geluTanh2NegRoot.hi}})))) (f64x2.splat (f64.const {{geluTanh2NegRoot.radius}})))))
      (then
        (local.set $w (f64x2.sub (f64x2.sub (local.get $x) (f64x2.splat (f64.const {{geluTanh2NegRoot.hi}}))) (f64x2.splat (f64.const {{geluTanh2NegRoot.lo}}))))
        (local.set $r (v128.bitselect {{taylor geluTanh2NegRoot $w}} (local.get $r) (local.get $mask)))))
    (if (v128.any_true (local.tee $mask (f64x2.lt (f64x2.abs (f64x2.sub (local.get $x) (f64x2.splat (f64.const {{geluTanh2PosRoot.hi}})))) (f64x2.splat (f64.const {{geluTanh2PosRoot.radius}})))))
      (then
        (local.set $w (f64x2.sub (f64x2.sub (local.get $x) (f64x2.splat (f64.const {{geluTanh2PosRoot.hi}}))) (f64x2.splat (f64.const {{geluTanh2PosRoot.lo}}))))
        (local.set $r (v128.bitselect {{taylor geluTanh2PosRoot $w}} (local.get $r) (local.get $mask)))))
    (local.get $r))

  ;; LOOPS
)
