"""Case measures: open cases by member state and sector, disclosure times, good histories."""
