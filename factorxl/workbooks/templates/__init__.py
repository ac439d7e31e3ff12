"""The template workbooks ``factorxl build`` writes: MSFT (seeds 000/001), ARKK/BRK (seed 002)
and MiniModel (seed 004), on the shared layout of :mod:`.layout`."""
