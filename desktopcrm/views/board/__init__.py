"""The pipeline board: a column per stage, deal cards dragged between them."""
