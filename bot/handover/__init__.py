"""Handover to counsellors: consent, contact, leads, appointments, notifications, retention."""
