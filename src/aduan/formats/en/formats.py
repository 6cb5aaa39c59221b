"""English dates and times as the rest of the instansi writes them: day first, 24-hour clock
("3 Dec 2026, 23:59", "3 Dec 2026", "23:59"; in Bahasa Indonesia "3 Des. 2026, 23.59").
Django's default ("Dec. 3, 2026, 11:59 p.m.") put a second full stop after every deadline."""

DATETIME_FORMAT = "j M Y, H:i"
DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
