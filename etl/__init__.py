"""estate's ETL: read the files public bodies publish, map each publisher's layout, validate
and locate every row, and load the records into PostGIS with what became of each row."""
