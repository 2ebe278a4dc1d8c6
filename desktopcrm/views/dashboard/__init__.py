"""The dashboard screen: pipeline summary, activity feed, due tasks and appointments."""
