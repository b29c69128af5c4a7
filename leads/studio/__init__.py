"""The marketers' studio: funnel stages, waits, periods, charts, calibration and model diffs (pure), the day
summaries counted as events happen and the reports read from them, model publishing, and the studio's pages."""
