// The CLI tests run the compiled `neraca` command, so compile once before the suites start.
const { execSync } = require('node:child_process');

module.exports = async () => {
  execSync('npx swc src libs migrations -d dist -q', {
    cwd: __dirname + '/../..',
    stdio: 'inherit',
  });
};
