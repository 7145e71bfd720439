//! Appointment ↔ the EAS wire item (waiting for the time-zone module).
