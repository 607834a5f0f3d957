-- recipient_limit_crossed: messages of 2 recipients are accepted until
-- the one that crosses the 1m recipient limit (5): 451 4.7.1 with the
-- configured text; refused mail is not counted.  A host crossing both
-- windows (60 + 50 points >= 100) gets 550 5.7.1.
zm = dofile(os.getenv("ZM_PROTO_DIR") .. "/zmlib.lua")
zm.run(function()

	local url = "https://help.example.org/zm"
	local temptext = "ZM-TEMP slow down, see " .. url .. " please"
	-- reply_reject has "%%": the spec says a literal %; on the milter wire
	-- libmilter wants it doubled, so accept either form
	local rejtexts = { "ZM-REJ refused (100% sure), see " .. url,
	                   "ZM-REJ refused (100%% sure), see " .. url }

	-- tempfail: 192.0.2.20
	local conn = zm.connect("192.0.2.20")
	zm.accepted(conn, { qid = "T1", rcpts = 2, label = "T1 (count 2)" })
	zm.accepted(conn, { qid = "T2", rcpts = 2, label = "T2 (count 4)" })
	zm.refused_eom(conn, { qid = "T3", rcpts = 2, label = "T3 (count 6 > 5)" },
	               "451", "4.7.1", temptext)
	-- T3 was refused, so not counted: 4 + 1 = 5 is not over the limit
	zm.accepted(conn, { qid = "T4", rcpts = 1, label = "T4 (count 5, refused T3 not counted)" })
	zm.refused_eom(conn, { qid = "T5", rcpts = 1, label = "T5 (count 6 > 5)" },
	               "451", "4.7.1", temptext)
	zm.close(conn)

	-- reject: 198.51.100.20 crosses both windows at once
	conn = zm.connect("198.51.100.20")
	zm.accepted(conn, { qid = "R1", rcpts = 2, label = "R1 (count 2)" })
	zm.accepted(conn, { qid = "R2", rcpts = 2, label = "R2 (count 4)" })
	local t = zm.refused_eom(conn, { qid = "R3", rcpts = 6, label = "R3 (count 10 > 5 and > 9)" },
	                         "550", "5.7.1", rejtexts)
	mt.echo("reject text on the wire: " .. t)
	zm.accepted(conn, { qid = "R4", rcpts = 1, label = "R4 (count 5, refused R3 not counted)" })
	zm.close(conn)

	mt.echo("recipient_limit_crossed: ok")
end)
