"""The template workbooks ``factorxl build`` writes: MSFT and ARKK/BRK (the worked examples of Alan
Moreira's factor-model notebooks), MiniModel (the itsjustbeta.com guide's 10-stock example) and
FamaMacBeth, on the shared layout of :mod:`.layout`."""
