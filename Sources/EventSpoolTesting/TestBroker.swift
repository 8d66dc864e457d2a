// The scripted loopback webhook broker lands here (see issue 2, item 6).
