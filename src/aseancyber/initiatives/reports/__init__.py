"""The ministers' recommendations report: coverage gaps, recommendations, charts, the report
document (HTML and PDF), its pages and its background runs."""
