package main

var hashCommands = []*command{}
