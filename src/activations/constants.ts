/** PyTorch's SELU constants (torch/nn/functional.py, aten's Activation.cpp). */
export const SELU_ALPHA = 1.6732632423543772848170429916717;
export const SELU_SCALE = 1.0507009873554804934193349852946;
/** scale·α, correctly rounded from the decimal constants (mpmath). */
export const SELU_SCALE_ALPHA = 1.7580993408473768;
