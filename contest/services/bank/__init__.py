"""The question bank: questions and their frozen versions, and bank files in and out
(import with a preview, export).
"""
