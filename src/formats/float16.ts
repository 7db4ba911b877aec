/** @petamoriken/float16 (a Float16Array polyfill, ~9 ms to load), for float16 data only. */
import { lazy } from "../lazy.js";

export const float16 = lazy<typeof import("@petamoriken/float16")>("@petamoriken/float16");
