-- three_messages_one_connection: several messages on one connection,
-- each with its own queue id and rcpt count; counts accumulate, the
-- third crosses the message limit (2).  Default reply_tempfail text.
zm = dofile(os.getenv("ZM_PROTO_DIR") .. "/zmlib.lua")
zm.run(function()

	local deftemp = "Too much mail from your connection, try again later; " ..
	                "see https://www.example.net/support/zombie"

	local conn = zm.connect("192.0.2.40")
	zm.accepted(conn, { qid = "M1", rcpts = 1, label = "M1 (message 1)" })
	zm.accepted(conn, { qid = "M2", rcpts = 2, label = "M2 (message 2)" })
	zm.refused_eom(conn, { qid = "M3", rcpts = 3, label = "M3 (message 3 > 2)" },
	               "451", "4.7.1", deftemp)
	-- refused M3 not counted: M4 is again the 3rd message
	zm.refused_eom(conn, { qid = "M4", rcpts = 1, label = "M4 (again message 3 > 2)" },
	               "451", "4.7.1", deftemp)
	zm.close(conn)

	-- another host on its own connection is unaffected
	conn = zm.connect("192.0.2.41")
	zm.accepted(conn, { qid = "M5", rcpts = 1, label = "M5 (other host)" })
	zm.close(conn)

	mt.echo("three_messages_one_connection: ok")
end)
