"""Record pages (lead, person, company, deal), their panels and dialogs, and Universal Add.

The main window shows a ``RecordPage`` when ``AppContext.open_record`` asks for one; the Add
menu opens the dialogs of ``add_dialogs``. ``RecordPicker`` (type-ahead linking to a record)
is meant for other screens too.
"""
