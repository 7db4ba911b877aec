;; Decimal text to doubles, for the text readers' hot paths (src/wasm/text.ts).
;;
;; Why WebAssembly: a JavaScript loop over a Buffer's bytes costs ~4.7 ns a
;; byte on this machine (a bare digit loop over the 100 MB JSON Lines bench
;; file: 470 ms), the same loop here ~2 ns; the tokenizer and the number
;; parser together were two thirds of a relu JSON Lines run.
;;
;; $eisel is the Eisel-Lemire algorithm (Lemire, "Number Parsing at a
;; Gigabyte per Second", 2021, sections 5-6; as in fast_float and Rust's
;; core::num::dec2flt): w * 10^q for w < 2^64 (at most 19 digits) from a
;; table of 5^q to 128 bits, exact but where it says it cannot decide ($bad),
;; when the caller falls back to the reference parser (JavaScript's, which
;; falls back to Number()). test/wasm-text.test.ts checks it against
;; Number() on millions of strings, halfway cases and every binade.
;;
;; Memory: 0 .. 10416 the table (651 entries of 16 bytes, high word first,
;; for q = -342 .. 308), filled by scripts/build-wasm.mjs; from 16384 the
;; caller's input and output areas; RESULT (10496) the counts of the last call.
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "{{pow5}}")
  (global $pos (mut i32) (i32.const 0))
  (global $bad (mut i32) (i32.const 0))
  (global $lo (mut i64) (i64.const 0))

  ;; The high 64 bits of a * b (unsigned, 128-bit product); the low 64 in $lo.
  (func $mul128 (param $a i64) (param $b i64) (result i64)
    (local $al i64) (local $ah i64) (local $bl i64) (local $bh i64) (local $ll i64) (local $lh i64) (local $hl i64) (local $mid i64)
    (local.set $al (i64.and (local.get $a) (i64.const 0xffffffff)))
    (local.set $ah (i64.shr_u (local.get $a) (i64.const 32)))
    (local.set $bl (i64.and (local.get $b) (i64.const 0xffffffff)))
    (local.set $bh (i64.shr_u (local.get $b) (i64.const 32)))
    (local.set $ll (i64.mul (local.get $al) (local.get $bl)))
    (local.set $lh (i64.mul (local.get $al) (local.get $bh)))
    (local.set $hl (i64.mul (local.get $ah) (local.get $bl)))
    (local.set $mid (i64.add (i64.add (i64.shr_u (local.get $ll) (i64.const 32)) (i64.and (local.get $lh) (i64.const 0xffffffff))) (i64.and (local.get $hl) (i64.const 0xffffffff))))
    (global.set $lo (i64.or (i64.shl (local.get $mid) (i64.const 32)) (i64.and (local.get $ll) (i64.const 0xffffffff))))
    (i64.add
      (i64.add (i64.mul (local.get $ah) (local.get $bh)) (i64.shr_u (local.get $lh) (i64.const 32)))
      (i64.add (i64.shr_u (local.get $hl) (i64.const 32)) (i64.shr_u (local.get $mid) (i64.const 32)))))

  ;; The double nearest w * 10^q, for w != 0 and -342 <= q <= 308; sets $bad
  ;; (and returns 0) where 128 bits cannot decide.
  (func $eisel (param $w i64) (param $q i32) (result f64)
    (local $lz i64) (local $idx i32) (local $hi i64) (local $lo i64) (local $hi2 i64)
    (local $upper i64) (local $shift i64) (local $m i64) (local $p2 i32)
    (local.set $lz (i64.clz (local.get $w)))
    (local.set $w (i64.shl (local.get $w) (local.get $lz)))
    (local.set $idx (i32.shl (i32.add (local.get $q) (i32.const 342)) (i32.const 4)))
    (local.set $hi (call $mul128 (local.get $w) (i64.load (local.get $idx))))
    (local.set $lo (global.get $lo))
    ;; 52 explicit bits + 3: the low 9 bits of hi all ones may hide a carry.
    (if (i64.eq (i64.and (local.get $hi) (i64.const 0x1ff)) (i64.const 0x1ff))
      (then
        (local.set $hi2 (call $mul128 (local.get $w) (i64.load offset=8 (local.get $idx))))
        (local.set $lo (i64.add (local.get $lo) (local.get $hi2)))
        (if (i64.gt_u (local.get $hi2) (local.get $lo))
          (then (local.set $hi (i64.add (local.get $hi) (i64.const 1)))))))
    (if (i64.eq (local.get $lo) (i64.const -1))
      (then
        (if (i32.or (i32.lt_s (local.get $q) (i32.const -27)) (i32.gt_s (local.get $q) (i32.const 55)))
          (then (global.set $bad (i32.const 1)) (return (f64.const 0))))))
    (local.set $upper (i64.shr_u (local.get $hi) (i64.const 63)))
    (local.set $shift (i64.add (local.get $upper) (i64.const 9)))
    (local.set $m (i64.shr_u (local.get $hi) (local.get $shift)))
    ;; The biased binary exponent: floor(q log2 10) + 63 + upper - lz + 1023.
    (local.set $p2
      (i32.sub
        (i32.add
          (i32.add (i32.shr_s (i32.mul (local.get $q) (i32.const 217706)) (i32.const 16)) (i32.const 1086))
          (i32.wrap_i64 (local.get $upper)))
        (i32.wrap_i64 (local.get $lz))))
    (if (i32.le_s (local.get $p2) (i32.const 0))
      (then
        ;; Subnormal (no ties here: a tie would take hundreds of digits).
        (if (i32.ge_s (i32.sub (i32.const 1) (local.get $p2)) (i32.const 64)) (then (return (f64.const 0))))
        (local.set $m (i64.shr_u (local.get $m) (i64.extend_i32_u (i32.sub (i32.const 1) (local.get $p2)))))
        (local.set $m (i64.add (local.get $m) (i64.and (local.get $m) (i64.const 1))))
        (return (f64.reinterpret_i64 (i64.shr_u (local.get $m) (i64.const 1))))))
    ;; Exactly halfway (only where 5^q is exact in 64 bits): round to even.
    (if (i32.and
          (i32.and
            (i64.le_u (local.get $lo) (i64.const 1))
            (i32.and (i32.ge_s (local.get $q) (i32.const -4)) (i32.le_s (local.get $q) (i32.const 23))))
          (i32.and
            (i64.eq (i64.and (local.get $m) (i64.const 3)) (i64.const 1))
            (i64.eq (i64.shl (local.get $m) (local.get $shift)) (local.get $hi))))
      (then (local.set $m (i64.and (local.get $m) (i64.const -2)))))
    (local.set $m (i64.add (local.get $m) (i64.and (local.get $m) (i64.const 1))))
    (local.set $m (i64.shr_u (local.get $m) (i64.const 1)))
    (if (i64.ge_u (local.get $m) (i64.const 0x20000000000000))
      (then
        (local.set $m (i64.const 0x10000000000000))
        (local.set $p2 (i32.add (local.get $p2) (i32.const 1)))))
    (if (i32.ge_s (local.get $p2) (i32.const 0x7ff)) (then (return (f64.const inf))))
    (f64.reinterpret_i64
      (i64.or
        (i64.and (local.get $m) (i64.const 0xfffffffffffff))
        (i64.shl (i64.extend_i32_u (local.get $p2)) (i64.const 52)))))

  ;; A number at p: its value, and $pos after it. json = 1: RFC 8259's
  ;; grammar (-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?); json = 0: the
  ;; CSV reader's (parseNumberBytes in src/formats/text/number.ts) but for
  ;; underscores, nan and inf: a sign, digits with `point` among or after
  ;; them, an exponent. $bad for anything else, for more than 19
  ;; significant digits (but for zeros), and where $eisel cannot decide:
  ;; the caller's reference parser takes those.
  (func $num (param $p i32) (param $point i32) (param $json i32) (result f64)
    (local $c i32) (local $neg i32) (local $w i64) (local $nd i32) (local $q i32) (local $e i32) (local $eneg i32)
    (local $v f64) (local $x i64) (local $digits i32)
    (local.set $c (i32.load8_u (local.get $p)))
    (if (i32.eq (local.get $c) (i32.const 45))
      (then
        (local.set $neg (i32.const 1))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $c (i32.load8_u (local.get $p))))
      (else
        (if (i32.and (i32.eq (local.get $c) (i32.const 43)) (i32.eqz (local.get $json)))
          (then
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (local.set $c (i32.load8_u (local.get $p)))))))
    (if (local.get $json)
      (then
        ;; A digit first, and no leading zeros.
        (if (i32.ge_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10))
          (then (global.set $bad (i32.const 1)) (return (f64.const 0))))
        (if (i32.and (i32.eq (local.get $c) (i32.const 48))
              (i32.lt_u (i32.sub (i32.load8_u offset=1 (local.get $p)) (i32.const 48)) (i32.const 10)))
          (then (global.set $bad (i32.const 1)) (return (f64.const 0))))))
    (block $intEnd
      (br_if $intEnd (i32.ge_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10)))
      (loop $int
        (local.set $digits (i32.add (local.get $digits) (i32.const 1)))
        (if (i32.or (local.get $nd) (i32.ne (local.get $c) (i32.const 48)))
          (then
            (if (i32.lt_u (local.get $nd) (i32.const 19))
              (then
                (local.set $w (i64.add (i64.mul (local.get $w) (i64.const 10)) (i64.extend_i32_u (i32.sub (local.get $c) (i32.const 48)))))
                (local.set $nd (i32.add (local.get $nd) (i32.const 1))))
              (else
                (if (i32.ne (local.get $c) (i32.const 48)) (then (global.set $bad (i32.const 1)) (return (f64.const 0))))
                (local.set $q (i32.add (local.get $q) (i32.const 1)))))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $c (i32.load8_u (local.get $p)))
        (br_if $int (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10)))))
    (if (i32.eq (local.get $c) (local.get $point))
      (then
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $c (i32.load8_u (local.get $p)))
        (if (i32.and (local.get $json) (i32.ge_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10)))
          (then (global.set $bad (i32.const 1)) (return (f64.const 0))))
        (block $fracEnd
          (br_if $fracEnd (i32.ge_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10)))
          (loop $frac
            ;; Eight digits at once (SWAR, as fast_float's parse_eight_digits_unrolled) while 19 digits allow.
            (if (i32.and (i32.ne (local.get $nd) (i32.const 0)) (i32.le_u (local.get $nd) (i32.const 11)))
              (then
                (local.set $x (i64.load (local.get $p)))
                (if (i32.and
                      (i64.eq (i64.and (local.get $x) (i64.const 0xf0f0f0f0f0f0f0f0)) (i64.const 0x3030303030303030))
                      (i64.eq (i64.and (i64.add (local.get $x) (i64.const 0x0606060606060606)) (i64.const 0xf0f0f0f0f0f0f0f0)) (i64.const 0x3030303030303030)))
                  (then
                    (local.set $x (i64.shr_u (i64.mul (i64.and (local.get $x) (i64.const 0x0f0f0f0f0f0f0f0f)) (i64.const 2561)) (i64.const 8)))
                    (local.set $x (i64.shr_u (i64.mul (i64.and (local.get $x) (i64.const 0x00ff00ff00ff00ff)) (i64.const 6553601)) (i64.const 16)))
                    (local.set $x (i64.shr_u (i64.mul (i64.and (local.get $x) (i64.const 0x0000ffff0000ffff)) (i64.const 42949672960001)) (i64.const 32)))
                    (local.set $w (i64.add (i64.mul (local.get $w) (i64.const 100000000)) (local.get $x)))
                    (local.set $nd (i32.add (local.get $nd) (i32.const 8)))
                    (local.set $digits (i32.add (local.get $digits) (i32.const 8)))
                    (local.set $q (i32.sub (local.get $q) (i32.const 8)))
                    (local.set $p (i32.add (local.get $p) (i32.const 8)))
                    (local.set $c (i32.load8_u (local.get $p)))
                    (br_if $frac (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10)))
                    (br $fracEnd)))))
            (local.set $digits (i32.add (local.get $digits) (i32.const 1)))
            (if (i32.and (i32.eqz (local.get $nd)) (i32.eq (local.get $c) (i32.const 48)))
              (then (local.set $q (i32.sub (local.get $q) (i32.const 1))))
              (else
                (if (i32.lt_u (local.get $nd) (i32.const 19))
                  (then
                    (local.set $w (i64.add (i64.mul (local.get $w) (i64.const 10)) (i64.extend_i32_u (i32.sub (local.get $c) (i32.const 48)))))
                    (local.set $nd (i32.add (local.get $nd) (i32.const 1)))
                    (local.set $q (i32.sub (local.get $q) (i32.const 1))))
                  (else
                    (if (i32.ne (local.get $c) (i32.const 48)) (then (global.set $bad (i32.const 1)) (return (f64.const 0))))))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (local.set $c (i32.load8_u (local.get $p)))
            (br_if $frac (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10)))))))
    (if (i32.eqz (local.get $digits)) (then (global.set $bad (i32.const 1)) (return (f64.const 0))))
    (if (i32.eq (i32.or (local.get $c) (i32.const 32)) (i32.const 101))
      (then
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $c (i32.load8_u (local.get $p)))
        (if (i32.eq (local.get $c) (i32.const 45))
          (then
            (local.set $eneg (i32.const 1))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (local.set $c (i32.load8_u (local.get $p))))
          (else
            (if (i32.eq (local.get $c) (i32.const 43))
              (then
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (local.set $c (i32.load8_u (local.get $p)))))))
        (if (i32.ge_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10))
          (then (global.set $bad (i32.const 1)) (return (f64.const 0))))
        (loop $exp
          (if (i32.lt_u (local.get $e) (i32.const 100000))
            (then (local.set $e (i32.add (i32.mul (local.get $e) (i32.const 10)) (i32.sub (local.get $c) (i32.const 48))))))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (local.set $c (i32.load8_u (local.get $p)))
          (br_if $exp (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10))))
        (if (local.get $eneg) (then (local.set $e (i32.sub (i32.const 0) (local.get $e)))))
        (local.set $q (i32.add (local.get $q) (local.get $e)))))
    (global.set $pos (local.get $p))
    (if (i64.eqz (local.get $w))
      (then (local.set $v (f64.const 0)))
      (else
        (if (i32.lt_s (local.get $q) (i32.const -342))
          (then (local.set $v (f64.const 0)))
          (else
            (if (i32.gt_s (local.get $q) (i32.const 308))
              (then (local.set $v (f64.const inf)))
              (else (local.set $v (call $eisel (local.get $w) (local.get $q)))))))))
    (if (result f64) (local.get $neg) (then (f64.neg (local.get $v))) (else (local.get $v))))

  ;; One number for the tests: the text at p .. (a byte that ends it); NaN
  ;; when $bad (the caller's reference parser then), else its value.
  (func (export "number") (param $p i32) (param $point i32) (param $json i32) (result f64)
    (local $v f64)
    (global.set $bad (i32.const 0))
    (local.set $v (call $num (local.get $p) (local.get $point) (local.get $json)))
    (if (result f64) (global.get $bad) (then (f64.const nan)) (else (local.get $v))))

  ;; The end of the last call of "number".
  (func (export "end") (result i32) (global.get $pos))

  ;; JSON Lines rows of numbers and nulls, "[x, y, ...]" and a line break (LF
  ;; or CRLF), from p while a whole line lies before `end` (a line break at
  ;; end - 1): values at `vals` (f64), one op a token at `ops` (the reader's
  ;; Op: 1 "[", 2 "]", 3 a number, 4 null, 5 a line's end), one ending a line
  ;; at `ends` (1 LF, 2 CRLF). Every line has `width` elements (-1: the first
  ;; line's). Stops at the start of the first line it does not take: another
  ;; shape, a blank line, nesting, anything malformed (for the reader's own
  ;; scanner and its errors), or a number for the reference parser. Writes
  ;; the lines, values and ops taken, and the width, at RESULT; returns the
  ;; position reached. Capacity: vals 4 * (end - p) bytes, ops and ends
  ;; (end - p) bytes each, always enough.
  (func (export "jsonl") (param $p i32) (param $end i32) (param $vals i32) (param $ops i32) (param $ends i32) (param $width i32) (result i32)
    (local $c i32) (local $k i32) (local $nv i32) (local $no i32) (local $nl i32) (local $line i32) (local $lv i32) (local $lo i32) (local $v f64)
    (global.set $bad (i32.const 0))
    (block $stop
      (loop $lines
        (br_if $stop (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $line (local.get $p))
        (local.set $lv (local.get $nv))
        (local.set $lo (local.get $no))
        (block $rewind
          ;; Spaces and tabs, then "[".
          (loop $ws0
            (local.set $c (i32.load8_u (local.get $p)))
            (if (i32.or (i32.eq (local.get $c) (i32.const 32)) (i32.eq (local.get $c) (i32.const 9)))
              (then (local.set $p (i32.add (local.get $p) (i32.const 1))) (br $ws0))))
          (br_if $rewind (i32.ne (local.get $c) (i32.const 91)))
          (i32.store8 (i32.add (local.get $ops) (local.get $no)) (i32.const 1))
          (local.set $no (i32.add (local.get $no) (i32.const 1)))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (local.set $k (i32.const 0))
          (loop $elem
            (loop $ws1
              (local.set $c (i32.load8_u (local.get $p)))
              (if (i32.or (i32.eq (local.get $c) (i32.const 32)) (i32.eq (local.get $c) (i32.const 9)))
                (then (local.set $p (i32.add (local.get $p) (i32.const 1))) (br $ws1))))
            (if (i32.eq (local.get $c) (i32.const 110))
              (then
                ;; null (within the line: the line break at end - 1 stops a short one)
                (br_if $rewind (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $end)))
                (br_if $rewind (i32.ne (i32.load (local.get $p)) (i32.const 0x6c6c756e)))
                (local.set $p (i32.add (local.get $p) (i32.const 4)))
                (i32.store8 (i32.add (local.get $ops) (local.get $no)) (i32.const 4)))
              (else
                (local.set $v (call $num (local.get $p) (i32.const 46) (i32.const 1)))
                (br_if $rewind (global.get $bad))
                (local.set $p (global.get $pos))
                (f64.store (i32.add (local.get $vals) (i32.shl (local.get $nv) (i32.const 3))) (local.get $v))
                (local.set $nv (i32.add (local.get $nv) (i32.const 1)))
                (i32.store8 (i32.add (local.get $ops) (local.get $no)) (i32.const 3))))
            (local.set $no (i32.add (local.get $no) (i32.const 1)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (loop $ws2
              (local.set $c (i32.load8_u (local.get $p)))
              (if (i32.or (i32.eq (local.get $c) (i32.const 32)) (i32.eq (local.get $c) (i32.const 9)))
                (then (local.set $p (i32.add (local.get $p) (i32.const 1))) (br $ws2))))
            (if (i32.eq (local.get $c) (i32.const 44))
              (then (local.set $p (i32.add (local.get $p) (i32.const 1))) (br $elem))))
          (br_if $rewind (i32.ne (local.get $c) (i32.const 93)))
          (i32.store8 (i32.add (local.get $ops) (local.get $no)) (i32.const 2))
          (local.set $no (i32.add (local.get $no) (i32.const 1)))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (loop $ws3
            (local.set $c (i32.load8_u (local.get $p)))
            (if (i32.or (i32.eq (local.get $c) (i32.const 32)) (i32.eq (local.get $c) (i32.const 9)))
              (then (local.set $p (i32.add (local.get $p) (i32.const 1))) (br $ws3))))
          (if (i32.eq (local.get $c) (i32.const 13))
            (then
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br_if $rewind (i32.ne (i32.load8_u (local.get $p)) (i32.const 10)))
              (i32.store8 (i32.add (local.get $ends) (local.get $nl)) (i32.const 2)))
            (else
              (br_if $rewind (i32.ne (local.get $c) (i32.const 10)))
              (i32.store8 (i32.add (local.get $ends) (local.get $nl)) (i32.const 1))))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (if (i32.lt_s (local.get $width) (i32.const 0))
            (then (local.set $width (local.get $k)))
            (else (br_if $rewind (i32.ne (local.get $k) (local.get $width)))))
          (i32.store8 (i32.add (local.get $ops) (local.get $no)) (i32.const 5))
          (local.set $no (i32.add (local.get $no) (i32.const 1)))
          (local.set $nl (i32.add (local.get $nl) (i32.const 1)))
          (br $lines))
        ;; The line is the reader's: take back what it wrote.
        (local.set $p (local.get $line))
        (local.set $nv (local.get $lv))
        (local.set $no (local.get $lo))))
    (i32.store (i32.const 10496) (local.get $nl))
    (i32.store (i32.const 10500) (local.get $nv))
    (i32.store (i32.const 10504) (local.get $no))
    (i32.store (i32.const 10508) (local.get $width))
    (local.get $p))
  ;; CSV/TSV rows of numbers, as parsePlainRows (src/formats/csv/plain-rows.ts)
  ;; takes them: from p, whole lines before `end` (a line break at end - 1)
  ;; of exactly `cols` numbers between `delim`s, spaces and tabs around each
  ;; (not the delimiter), ended by LF or CRLF. The values at `vals` (f64), one
  ;; ending a row at `ends` (1 LF, 2 CRLF). Stops at the start of the first
  ;; line it does not take: one that does not start with a digit or "-" (a
  ;; comment, a header, a blank line), another number of cells, an empty
  ;; cell, an NA token, a lone CR, nan, inf, underscores, a number for the
  ;; reference parser. Writes the rows and values taken at RESULT; returns
  ;; the position reached. The input holds no quote byte (the caller's part).
  (func (export "csv") (param $p i32) (param $end i32) (param $cols i32) (param $delim i32) (param $point i32) (param $vals i32) (param $ends i32) (result i32)
    (local $c i32) (local $k i32) (local $nv i32) (local $nl i32) (local $line i32) (local $lv i32)
    (global.set $bad (i32.const 0))
    (block $stop
      (loop $lines
        (br_if $stop (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $line (local.get $p))
        (local.set $lv (local.get $nv))
        (block $rewind
          (local.set $c (i32.load8_u (local.get $p)))
          (br_if $rewind (i32.and (i32.ge_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10)) (i32.ne (local.get $c) (i32.const 45))))
          (local.set $k (i32.const 0))
          (loop $cell
            (br_if $rewind (i32.eq (local.get $k) (local.get $cols)))
            (loop $ws1
              (local.set $c (i32.load8_u (local.get $p)))
              (if (i32.and (i32.ne (local.get $c) (local.get $delim))
                    (i32.or (i32.eq (local.get $c) (i32.const 32)) (i32.lt_u (i32.sub (local.get $c) (i32.const 11)) (i32.const 2))))
                (then (local.set $p (i32.add (local.get $p) (i32.const 1))) (br $ws1)))
              (if (i32.and (i32.eq (local.get $c) (i32.const 9)) (i32.ne (local.get $delim) (i32.const 9)))
                (then (local.set $p (i32.add (local.get $p) (i32.const 1))) (br $ws1))))
            (f64.store (i32.add (local.get $vals) (i32.shl (local.get $nv) (i32.const 3)))
              (call $num (local.get $p) (local.get $point) (i32.const 0)))
            (br_if $rewind (global.get $bad))
            (local.set $p (global.get $pos))
            (local.set $nv (i32.add (local.get $nv) (i32.const 1)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (loop $ws2
              (local.set $c (i32.load8_u (local.get $p)))
              (if (i32.and (i32.ne (local.get $c) (local.get $delim))
                    (i32.or (i32.eq (local.get $c) (i32.const 32)) (i32.lt_u (i32.sub (local.get $c) (i32.const 11)) (i32.const 2))))
                (then (local.set $p (i32.add (local.get $p) (i32.const 1))) (br $ws2)))
              (if (i32.and (i32.eq (local.get $c) (i32.const 9)) (i32.ne (local.get $delim) (i32.const 9)))
                (then (local.set $p (i32.add (local.get $p) (i32.const 1))) (br $ws2))))
            (if (i32.eq (local.get $c) (local.get $delim))
              (then (local.set $p (i32.add (local.get $p) (i32.const 1))) (br $cell))))
          (br_if $rewind (i32.ne (local.get $k) (local.get $cols)))
          (if (i32.eq (local.get $c) (i32.const 13))
            (then
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br_if $rewind (i32.ne (i32.load8_u (local.get $p)) (i32.const 10)))
              (i32.store8 (i32.add (local.get $ends) (local.get $nl)) (i32.const 2)))
            (else
              (br_if $rewind (i32.ne (local.get $c) (i32.const 10)))
              (i32.store8 (i32.add (local.get $ends) (local.get $nl)) (i32.const 1))))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (local.set $nl (i32.add (local.get $nl) (i32.const 1)))
          (br $lines))
        (local.set $p (local.get $line))
        (local.set $nv (local.get $lv))))
    (i32.store (i32.const 10496) (local.get $nl))
    (i32.store (i32.const 10500) (local.get $nv))
    (local.get $p)))
