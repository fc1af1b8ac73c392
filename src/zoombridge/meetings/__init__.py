"""Meetings: schedule Zoom meetings and webinars for a pool of hosts without double-booking,
and keep them in two-way sync with Zoom."""
