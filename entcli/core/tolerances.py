"""Default tolerances (no imports, so that option definitions can use them without loading NumPy)."""

#: Default tolerance on |Σ p − 1| for probabilities. A float32 softmax over 100 000 classes printed with
#: 9 significant digits sums to 1 within about 4e-8 (measured), so 1e-6 accepts it with room to spare
#: while still catching rows that are not distributions.
DEFAULT_TOL = 1e-6
