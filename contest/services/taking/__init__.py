"""Taking a round: registering residents, recognising returning ones, drawing questions,
saving answers, submitting and grading.
"""
