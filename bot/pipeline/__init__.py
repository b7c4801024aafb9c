"""Handling an inbox event: claim it (`worker`), plan it (`plan_line` for a patient's LINE
event, `plan_staff` for a staff action or a deadline), save the plan with its outgoing messages
(`outbox`), send them (`delivery`'s rules for LINE) and audit (`handle`); `scheduler` turns
hand-off deadlines into timer events. Planning is pure; I/O happens around it."""
