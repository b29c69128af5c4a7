"""The marketers' studio, its pure core: funnel stages, waits, periods, charts, calibration and model diffs."""
