"""Pure factor-model mathematics: arrays in, results out (no Excel, no files)."""
