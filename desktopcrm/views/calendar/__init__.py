"""The calendar pane: day, week, month and agenda views painted with QPainter, the
appointment dialog and the recurring-edit choice."""
