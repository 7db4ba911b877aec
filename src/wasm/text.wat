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
;; $repr and "cells" are writeShortest and reprDirect of
;; src/formats/text/decimal.ts, the same arithmetic operation for operation
;; (so the same digits, and a decline exactly where it declines), and
;; formatPlainCells' layout (src/formats/csv/cells.ts).
;;
;; Memory: 0 .. 10416 the table of 5^q (651 entries of 16 bytes, high word
;; first, for q = -342 .. 308); RESULT (10496) the counts of the last call;
;; 10528 .. 19664 decimal.ts' table of 10^q as two doubles (hi, lo) for
;; q = -290 .. 280; 19712 .. 19744 a digit scratch; from 32768 the caller's
;; input and output areas. scripts/build-wasm.mjs fills both tables.
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "{{pow5}}")
  (data (i32.const 10528) "{{pow10}}")
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
    (local.get $p))
  ;; The low part of a * b = p, exactly (Dekker's product, as numerics.ts' productError).
  (func $productError (param $a f64) (param $b f64) (param $p f64) (result f64)
    (local $t f64) (local $ah f64) (local $al f64) (local $bh f64) (local $bl f64)
    (local.set $t (f64.mul (f64.const 134217729) (local.get $a)))
    (local.set $ah (f64.sub (local.get $t) (f64.sub (local.get $t) (local.get $a))))
    (local.set $al (f64.sub (local.get $a) (local.get $ah)))
    (local.set $t (f64.mul (f64.const 134217729) (local.get $b)))
    (local.set $bh (f64.sub (local.get $t) (f64.sub (local.get $t) (local.get $b))))
    (local.set $bl (f64.sub (local.get $b) (local.get $bh)))
    (f64.add
      (f64.add
        (f64.add (f64.sub (f64.mul (local.get $ah) (local.get $bh)) (local.get $p)) (f64.mul (local.get $ah) (local.get $bl)))
        (f64.mul (local.get $al) (local.get $bh)))
      (f64.mul (local.get $al) (local.get $bl))))

  ;; x in Python's repr layout at out with `point` (writeShortest(x, out, p,
  ;; point, true)): the end, or -1 where decimal.ts declines (zero, non-finite,
  ;; beyond [1e-260, 1e290], powers of two, near-halfway digits).
  (func $repr (param $x f64) (param $out i32) (param $point i32) (result i32)
    (local $ax f64) (local $bits i64) (local $hi i32) (local $e10 i32) (local $attempt i32) (local $at i32)
    (local $ph f64) (local $a f64) (local $t f64) (local $yh f64) (local $yl f64)
    (local $top f64) (local $low f64) (local $half f64)
    (local $t15 f64) (local $t16 f64) (local $t17 f64) (local $d15 f64) (local $d16 f64) (local $d17 f64)
    (local $k i32) (local $tail f64) (local $v i32) (local $w i32) (local $i i32) (local $nd i32) (local $n i32) (local $e i32) (local $p i32)
    (local.set $ax (f64.abs (local.get $x)))
    (if (i32.eqz (i32.and (f64.ge (local.get $ax) (f64.const 1e-260)) (f64.le (local.get $ax) (f64.const 1e290))))
      (then (return (i32.const -1))))
    (local.set $bits (i64.reinterpret_f64 (local.get $ax)))
    (local.set $hi (i32.wrap_i64 (i64.shr_u (local.get $bits) (i64.const 32))))
    (if (i32.and (i64.eqz (i64.and (local.get $bits) (i64.const 0xffffffff))) (i32.eqz (i32.and (local.get $hi) (i32.const 0xfffff))))
      (then (return (i32.const -1))))
    (local.set $e10 (i32.trunc_f64_s (f64.floor (f64.mul
      (f64.add
        (f64.convert_i32_s (i32.sub (i32.and (i32.shr_u (local.get $hi) (i32.const 20)) (i32.const 0x7ff)) (i32.const 1023)))
        (f64.mul (f64.convert_i32_u (i32.and (local.get $hi) (i32.const 0xfffff))) (f64.const 0x1p-20)))
      (f64.const 0.30102999566398119)))))
    (block $found
      (loop $try
        ;; 10^j as two doubles, j = 16 - e10 (|j| <= 276 here, within the table)
        (local.set $at (i32.add (i32.const 10528) (i32.shl (i32.add (i32.sub (i32.const 16) (local.get $e10)) (i32.const 290)) (i32.const 4))))
        (local.set $ph (f64.load (local.get $at)))
        (local.set $a (f64.mul (local.get $ax) (local.get $ph)))
        (local.set $t (f64.add (call $productError (local.get $ax) (local.get $ph) (local.get $a)) (f64.mul (local.get $ax) (f64.load offset=8 (local.get $at)))))
        (local.set $yh (f64.add (local.get $a) (local.get $t)))
        (local.set $yl (f64.sub (local.get $t) (f64.sub (local.get $yh) (local.get $a))))
        (if (f64.lt (local.get $yh) (f64.const 1e16))
          (then (local.set $e10 (i32.sub (local.get $e10) (i32.const 1))))
          (else
            (br_if $found (f64.lt (local.get $yh) (f64.const 1e17)))
            (local.set $e10 (i32.add (local.get $e10) (i32.const 1)))))
        (if (local.get $attempt) (then (return (i32.const -1))))
        (local.set $attempt (i32.const 1))
        (br $try)))
    (local.set $top (f64.floor (f64.div (local.get $yh) (f64.const 1e9))))
    (local.set $low (f64.add (f64.sub (local.get $yh) (f64.mul (local.get $top) (f64.const 1e9))) (local.get $yl)))
    ;; half an ulp of x, in units of y
    (local.set $half (f64.mul (f64.mul
      (f64.reinterpret_i64 (i64.shl (i64.extend_i32_u (i32.sub (i32.and (i32.shr_u (local.get $hi) (i32.const 20)) (i32.const 0x7ff)) (i32.const 52))) (i64.const 52)))
      (local.get $ph)) (f64.const 0.5)))
    (local.set $t15 (f64.floor (f64.add (f64.mul (local.get $low) (f64.const 0.01)) (f64.const 0.5))))
    (local.set $t16 (f64.floor (f64.add (f64.mul (local.get $low) (f64.const 0.1)) (f64.const 0.5))))
    (local.set $t17 (f64.floor (f64.add (local.get $low) (f64.const 0.5))))
    (local.set $d15 (f64.abs (f64.sub (local.get $low) (f64.mul (local.get $t15) (f64.const 100)))))
    (local.set $d16 (f64.abs (f64.sub (local.get $low) (f64.mul (local.get $t16) (f64.const 10)))))
    (local.set $d17 (f64.abs (f64.sub (local.get $low) (local.get $t17))))
    (if (i32.or (i32.or
          (f64.lt (f64.abs (f64.sub (local.get $d17) (f64.const 0.5))) (f64.const 1e-6))
          (f64.lt (f64.abs (f64.sub (local.get $d16) (f64.const 5))) (f64.const 1e-6)))
          (f64.lt (f64.abs (f64.sub (local.get $d15) (f64.const 50))) (f64.const 1e-6)))
      (then (return (i32.const -1))))
    (if (i32.or (i32.or
          (f64.lt (f64.abs (f64.sub (local.get $d15) (local.get $half))) (f64.const 1e-6))
          (f64.lt (f64.abs (f64.sub (local.get $d16) (local.get $half))) (f64.const 1e-6)))
          (f64.lt (f64.abs (f64.sub (local.get $d17) (local.get $half))) (f64.const 1e-6)))
      (then (return (i32.const -1))))
    (if (f64.lt (local.get $d15) (local.get $half))
      (then (local.set $k (i32.const 15)) (local.set $tail (local.get $t15)))
      (else
        (if (f64.lt (local.get $d16) (local.get $half))
          (then (local.set $k (i32.const 16)) (local.set $tail (local.get $t16)))
          (else (local.set $k (i32.const 17)) (local.set $tail (local.get $t17))))))
    (if (i32.or (f64.lt (local.get $tail) (f64.const 0))
          (f64.ge (local.get $tail) (select (f64.const 1e7) (select (f64.const 1e8) (f64.const 1e9) (i32.eq (local.get $k) (i32.const 16))) (i32.eq (local.get $k) (i32.const 15)))))
      (then (return (i32.const -1))))
    ;; The k digits top . tail (top: 8 digits, tail: k - 8) at 19712, each
    ;; part right to left; v / 10 as (v * 0xcccccccd) >> 35 (exact below 2^32;
    ;; V8's i64.div_u by a constant was most of the function's time).
    (local.set $v (i32.trunc_f64_u (local.get $top)))
    (local.set $i (i32.const 8))
    (loop $dt
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (local.set $w (i32.wrap_i64 (i64.shr_u (i64.mul (i64.extend_i32_u (local.get $v)) (i64.const 0xcccccccd)) (i64.const 35))))
      (i32.store8 offset=19712 (local.get $i) (i32.add (i32.const 48) (i32.sub (local.get $v) (i32.mul (local.get $w) (i32.const 10)))))
      (local.set $v (local.get $w))
      (br_if $dt (local.get $i)))
    (local.set $v (i32.trunc_f64_u (local.get $tail)))
    (local.set $i (local.get $k))
    (loop $dl
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (local.set $w (i32.wrap_i64 (i64.shr_u (i64.mul (i64.extend_i32_u (local.get $v)) (i64.const 0xcccccccd)) (i64.const 35))))
      (i32.store8 offset=19712 (local.get $i) (i32.add (i32.const 48) (i32.sub (local.get $v) (i32.mul (local.get $w) (i32.const 10)))))
      (local.set $v (local.get $w))
      (br_if $dl (i32.gt_u (local.get $i) (i32.const 8))))
    ;; Trailing zeros dropped (the first digit is nonzero).
    (local.set $nd (local.get $k))
    (block $z (loop $zl
      (br_if $z (i32.le_u (local.get $nd) (i32.const 1)))
      (br_if $z (i32.ne (i32.load8_u offset=19711 (local.get $nd)) (i32.const 48)))
      (local.set $nd (i32.sub (local.get $nd) (i32.const 1)))
      (br $zl)))
    (local.set $p (local.get $out))
    (if (f64.lt (local.get $x) (f64.const 0))
      (then (i32.store8 (local.get $p) (i32.const 45)) (local.set $p (i32.add (local.get $p) (i32.const 1)))))
    (local.set $n (i32.add (local.get $e10) (i32.const 1)))
    ;; x = 0.d1d2... * 10^n: reprDirect's four layouts. The digits are
    ;; copied 8 bytes at a time (memory.copy is a call into the runtime
    ;; here: most of the function's time); what a copy writes past its end
    ;; is overwritten next, or lies in the caller's slack.
    (if (i32.and (i32.le_s (local.get $n) (i32.const 0)) (i32.ge_s (local.get $n) (i32.const -3)))
      (then
        (i32.store (local.get $p) (i32.const 0x30303030))
        (i32.store8 offset=1 (local.get $p) (local.get $point))
        (i32.store16 offset=4 (local.get $p) (i32.const 0x3030))
        (local.set $p (i32.sub (i32.add (local.get $p) (i32.const 2)) (local.get $n)))
        (call $copy24 (local.get $p) (i32.const 19712))
        (return (i32.add (local.get $p) (local.get $nd)))))
    (if (i32.or (i32.gt_s (local.get $n) (i32.const 16)) (i32.lt_s (local.get $n) (i32.const -3)))
      (then
        (call $copy24 (i32.add (local.get $p) (i32.const 1)) (i32.const 19712))
        (i32.store8 (local.get $p) (i32.load8_u (i32.const 19712)))
        (i32.store8 offset=1 (local.get $p) (local.get $point))
        (local.set $p (i32.add (local.get $p) (select (i32.add (local.get $nd) (i32.const 1)) (i32.const 1) (i32.gt_u (local.get $nd) (i32.const 1)))))
        (i32.store8 (local.get $p) (i32.const 101))
        (local.set $e (i32.sub (local.get $n) (i32.const 1)))
        (i32.store8 offset=1 (local.get $p) (select (i32.const 45) (i32.const 43) (i32.lt_s (local.get $e) (i32.const 0))))
        (local.set $p (i32.add (local.get $p) (i32.const 2)))
        (if (i32.lt_s (local.get $e) (i32.const 0)) (then (local.set $e (i32.sub (i32.const 0) (local.get $e)))))
        (if (i32.ge_u (local.get $e) (i32.const 100))
          (then
            (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.div_u (local.get $e) (i32.const 100))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))))
        (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (i32.div_u (local.get $e) (i32.const 10)) (i32.const 10))))
        (i32.store8 offset=1 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $e) (i32.const 10))))
        (return (i32.add (local.get $p) (i32.const 2)))))
    (if (i32.le_s (local.get $nd) (local.get $n))
      (then
        ;; d1..dnd, zeros to n digits, ".0"
        (i64.store (i32.add (local.get $p) (local.get $nd)) (i64.const 0x3030303030303030))
        (i64.store offset=8 (i32.add (local.get $p) (local.get $nd)) (i64.const 0x3030303030303030))
        (call $copy8s (local.get $p) (i32.const 19712) (local.get $nd))
        (local.set $p (i32.add (local.get $p) (local.get $n)))
        (i32.store8 (local.get $p) (local.get $point))
        (i32.store8 offset=1 (local.get $p) (i32.const 48))
        (return (i32.add (local.get $p) (i32.const 2)))))
    ;; d1..dn "." d(n+1)..dnd: the tail first, then the head over its slack
    (call $copy24 (i32.add (i32.add (local.get $p) (local.get $n)) (i32.const 1)) (i32.add (i32.const 19712) (local.get $n)))
    (call $copy8s (local.get $p) (i32.const 19712) (local.get $n))
    (i32.store8 (i32.add (local.get $p) (local.get $n)) (local.get $point))
    (i32.add (i32.add (local.get $p) (local.get $nd)) (i32.const 1)))

  ;; 24 bytes from src to dst, 8 at a time.
  (func $copy24 (param $dst i32) (param $src i32)
    (i64.store (local.get $dst) (i64.load (local.get $src)))
    (i64.store offset=8 (local.get $dst) (i64.load offset=8 (local.get $src)))
    (i64.store offset=16 (local.get $dst) (i64.load offset=16 (local.get $src))))

  ;; n (<= 24) bytes from src to dst, 8 at a time: exactly n written, nothing past dst + n.
  (func $copy8s (param $dst i32) (param $src i32) (param $n i32)
    (block $done
      (loop $more
        (br_if $done (i32.lt_s (local.get $n) (i32.const 8)))
        (i64.store (local.get $dst) (i64.load (local.get $src)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
        (local.set $src (i32.add (local.get $src) (i32.const 8)))
        (local.set $n (i32.sub (local.get $n) (i32.const 8)))
        (br $more)))
    (block $end
      (loop $byte
        (br_if $end (i32.le_s (local.get $n) (i32.const 0)))
        (i32.store8 (local.get $dst) (i32.load8_u (local.get $src)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
        (local.set $src (i32.add (local.get $src) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $byte))))

  ;; One value for the callers outside "cells" (JSON): its text at `out`; the end, or -1 (declined).
  (func (export "repr") (param $x f64) (param $out i32) (param $point i32) (result i32)
    (call $repr (local.get $x) (local.get $out) (local.get $point)))

  ;; formatPlainCells: cells [0, n) of the doubles at `vals` into `out`
  ;; (`miss`: their missing codes, or 0 for none), `delim` between the cells of a row of `cols`, row r
  ;; (from 0) ended by the ending at ends + r (1 LF, 2 CRLF, 3 CR, 0
  ;; nothing; ends = 0: LF), starting at column `col`. 0.0 and 1.0 whole.
  ;; Stops before a missing cell or one $repr declines (the caller writes it). Returns the
  ;; end; at RESULT the cells done, the column and the rows ended.
  (func (export "cells") (param $vals i32) (param $miss i32) (param $n i32) (param $out i32) (param $cols i32) (param $col i32) (param $ends i32) (param $delim i32) (param $point i32) (result i32)
    (local $k i32) (local $x f64) (local $q i32) (local $row i32) (local $end i32)
    (block $done
      (loop $cell
        (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
        ;; A missing cell (miss != 0: a byte a cell at $miss) is the caller's.
        (if (local.get $miss) (then (br_if $done (i32.load8_u (i32.add (local.get $miss) (local.get $k))))))
        (local.set $x (f64.load (i32.add (local.get $vals) (i32.shl (local.get $k) (i32.const 3)))))
        (local.set $q (local.get $out))
        (if (local.get $col)
          (then (i32.store8 (local.get $q) (local.get $delim)) (local.set $q (i32.add (local.get $q) (i32.const 1)))))
        (if (i32.or (f64.eq (local.get $x) (f64.const 1))
              (i64.eqz (i64.reinterpret_f64 (local.get $x))))
          (then
            (i32.store8 (local.get $q) (i32.add (i32.const 48) (i32.trunc_f64_s (local.get $x))))
            (i32.store8 offset=1 (local.get $q) (local.get $point))
            (i32.store8 offset=2 (local.get $q) (i32.const 48))
            (local.set $q (i32.add (local.get $q) (i32.const 3))))
          (else
            (local.set $q (call $repr (local.get $x) (local.get $q) (local.get $point)))
            (br_if $done (i32.lt_s (local.get $q) (i32.const 0)))))
        (local.set $col (i32.add (local.get $col) (i32.const 1)))
        (if (i32.eq (local.get $col) (local.get $cols))
          (then
            (local.set $end (select (i32.load8_u (i32.add (local.get $ends) (local.get $row))) (i32.const 1) (local.get $ends)))
            (if (i32.or (i32.eq (local.get $end) (i32.const 2)) (i32.eq (local.get $end) (i32.const 3)))
              (then (i32.store8 (local.get $q) (i32.const 13)) (local.set $q (i32.add (local.get $q) (i32.const 1)))))
            (if (i32.or (i32.eq (local.get $end) (i32.const 1)) (i32.eq (local.get $end) (i32.const 2)))
              (then (i32.store8 (local.get $q) (i32.const 10)) (local.set $q (i32.add (local.get $q) (i32.const 1)))))
            (local.set $row (i32.add (local.get $row) (i32.const 1)))
            (local.set $col (i32.const 0))))
        (local.set $out (local.get $q))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $cell)))
    (i32.store (i32.const 10496) (local.get $k))
    (i32.store (i32.const 10500) (local.get $col))
    (i32.store (i32.const 10504) (local.get $row))
    (local.get $out))
  ;; formatJsonOps (src/formats/json/ops.ts): ops [0, n) at `ops` (1 "[",
  ;; 2 "]", 3 a number from `vals`, nv of them there, 4 null, 5 a line's end
  ;; from `ends`) into `out`, from nesting `depth` and `first` (the next item
  ;; is its array's first); `doc`: a line break after each top-level value
  ;; (JSON documents). Stops before a number $repr declines (or past the
  ;; values given), which the caller writes. Returns the end; at RESULT the
  ;; ops done, values and endings used, the depth and first.
  (func (export "jsonOps") (param $ops i32) (param $n i32) (param $vals i32) (param $nv i32) (param $ends i32) (param $out i32) (param $depth i32) (param $first i32) (param $doc i32) (result i32)
    (local $k i32) (local $op i32) (local $v i32) (local $e i32) (local $q i32) (local $x f64) (local $end i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
        (local.set $op (i32.load8_u (i32.add (local.get $ops) (local.get $k))))
        (local.set $q (local.get $out))
        (block $op
          (if (i32.eq (local.get $op) (i32.const 1))
            (then
              (if (i32.eqz (local.get $first)) (then (i32.store8 (local.get $q) (i32.const 44)) (local.set $q (i32.add (local.get $q) (i32.const 1)))))
              (i32.store8 (local.get $q) (i32.const 91))
              (local.set $q (i32.add (local.get $q) (i32.const 1)))
              (local.set $depth (i32.add (local.get $depth) (i32.const 1)))
              (local.set $first (i32.const 1))
              (br $op)))
          (if (i32.eq (local.get $op) (i32.const 2))
            (then
              (i32.store8 (local.get $q) (i32.const 93))
              (local.set $q (i32.add (local.get $q) (i32.const 1)))
              (local.set $depth (i32.sub (local.get $depth) (i32.const 1)))
              (local.set $first (i32.const 0))
              (if (i32.and (i32.eqz (local.get $depth)) (local.get $doc)) (then (i32.store8 (local.get $q) (i32.const 10)) (local.set $q (i32.add (local.get $q) (i32.const 1)))))
              (br $op)))
          (if (i32.or (i32.eq (local.get $op) (i32.const 3)) (i32.eq (local.get $op) (i32.const 4)))
            (then
              (if (i32.eqz (local.get $first)) (then (i32.store8 (local.get $q) (i32.const 44)) (local.set $q (i32.add (local.get $q) (i32.const 1)))))
              (if (i32.eq (local.get $op) (i32.const 4))
                (then
                  (i32.store (local.get $q) (i32.const 0x6c6c756e))
                  (local.set $q (i32.add (local.get $q) (i32.const 4))))
                (else
                  (br_if $done (i32.ge_u (local.get $v) (local.get $nv)))
                  (local.set $x (f64.load (i32.add (local.get $vals) (i32.shl (local.get $v) (i32.const 3)))))
                  (if (i32.or (f64.eq (local.get $x) (f64.const 1)) (i64.eqz (i64.reinterpret_f64 (local.get $x))))
                    (then
                      (i32.store8 (local.get $q) (i32.add (i32.const 48) (i32.trunc_f64_s (local.get $x))))
                      (i32.store16 offset=1 (local.get $q) (i32.const 0x302e))
                      (local.set $q (i32.add (local.get $q) (i32.const 3))))
                    (else
                      (local.set $q (call $repr (local.get $x) (local.get $q) (i32.const 46)))
                      (br_if $done (i32.lt_s (local.get $q) (i32.const 0)))))
                  (local.set $v (i32.add (local.get $v) (i32.const 1)))))
              (local.set $first (i32.const 0))
              (if (i32.and (i32.eqz (local.get $depth)) (local.get $doc)) (then (i32.store8 (local.get $q) (i32.const 10)) (local.set $q (i32.add (local.get $q) (i32.const 1)))))
              (br $op)))
          (if (i32.eq (local.get $op) (i32.const 5))
            (then
              (local.set $end (i32.load8_u (i32.add (local.get $ends) (local.get $e))))
              (local.set $e (i32.add (local.get $e) (i32.const 1)))
              (if (i32.or (i32.eq (local.get $end) (i32.const 2)) (i32.eq (local.get $end) (i32.const 3)))
                (then (i32.store8 (local.get $q) (i32.const 13)) (local.set $q (i32.add (local.get $q) (i32.const 1)))))
              (if (i32.or (i32.eq (local.get $end) (i32.const 1)) (i32.eq (local.get $end) (i32.const 2)))
                (then (i32.store8 (local.get $q) (i32.const 10)) (local.set $q (i32.add (local.get $q) (i32.const 1)))))
              (local.set $first (i32.const 1)))))
        (local.set $out (local.get $q))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $next)))
    (i32.store (i32.const 10496) (local.get $k))
    (i32.store (i32.const 10500) (local.get $v))
    (i32.store (i32.const 10504) (local.get $e))
    (i32.store (i32.const 10508) (local.get $depth))
    (i32.store (i32.const 10512) (local.get $first))
    (local.get $out)))
