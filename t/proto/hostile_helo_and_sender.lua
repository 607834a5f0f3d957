-- hostile_helo_and_sender (miltertest part): a HELO with control bytes, a MAIL FROM with bytes 0x01-0xFF and '%', an
-- {auth_authen} login and a queue id with control bytes, CR/LF, '%',
-- 0xFF and '\'.  miltertest's buffers are 1 KB, so the 2 KB HELO and
-- MAIL FROM are sent by hostile_helo_and_sender.py.
zm = dofile(os.getenv("ZM_PROTO_DIR") .. "/zmlib.lua")
zm.run(function()

	local conn = zm.connect("192.0.2.90", "hostile.example.net")

	if mt.test_option(conn, SMFIP_NOHELO) then
		local done, err = pcall(mt.helo, conn, string.rep("h", 2048))
		if done and err == nil then
			zm.fail("HELO", "miltertest sent a HELO the milter negotiated away")
		end
		mt.echo("# HELO negotiated away (SMFIP_NOHELO), miltertest will not send it: " ..
		        tostring(err) .. "; the raw client forces it")
	else
		-- miltertest itself overflows on long or '%' HELO names (a
		-- fortify abort); the raw client sends the 2 KB one
		local h = string.rep("h\1\255", 60)     -- 180 bytes
		zm.call("HELO (180 bytes)", mt.helo(conn, h))
		if not mt.test_option(conn, SMFIP_NR_HELO) then
			zm.expect("HELO (180 bytes)", mt.getreply(conn), SMFIR_CONTINUE)
		end
	end

	local b = {}
	for i = 1, 255 do b[#b + 1] = string.char(i) end
	local all = table.concat(b)
	local from = "<" .. all .. "%s%n%%" .. all .. "%" .. all .. ">"   -- 775 bytes

	zm.accepted(conn, { qid = "H\tQ\127ID", login = "ev\1il\r\n%s%n\255\\ x",
	                    from = from, rcpts = 1, label = "hostile message H1" })
	-- the same connection goes on normally
	zm.accepted(conn, { qid = "H2", rcpts = 1, label = "plain message H2" })
	zm.close(conn)

	mt.echo("hostile_helo_and_sender: ok")
end)
