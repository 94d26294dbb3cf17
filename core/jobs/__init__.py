"""Background jobs: bulk operations (replays, reprocessing) that can touch any number of rows
run on a worker in chunks, with their progress in a ``Job`` row the API and admin show."""
